"""Drives a BFF through a Python client generated from its own OpenAPI document:
the studio's configuration, a create, a read, the history and a refused create."""
import sys
import time

from omni_client import Client
from omni_client.api.kling import create_task, read_task
from omni_client.api.studio import history, read_studio_task, studio_config
from omni_client.models import ErrorBody, OmniImageRequest

client = Client(base_url=sys.argv[1], raise_on_unexpected_status=True)

config = studio_config.sync(client=client)
assert config.code == 0, config
assert config.data.catalog.omni_image.default_model, config.data

created = create_task.sync(
    "images", "omni-image", client=client, body=OmniImageRequest(prompt="a lighthouse from a generated client")
)
assert created.code == 0, created
task_id = created.data.task_id

for _ in range(100):
    task = read_studio_task.sync(task_id, client=client)
    if task.data.task_status in ("succeed", "failed"):
        break
    time.sleep(0.2)
assert task.data.task_status == "succeed", task.data
assert read_task.sync("images", "omni-image", task_id, client=client).data.task_id == task_id

page = history.sync(client=client, limit=10)
assert any(t.task_id == task_id for t in page.data.tasks), page

refused = create_task.sync_detailed("images", "omni-image", client=client, body=OmniImageRequest(prompt=""))
assert refused.status_code == 400, refused
assert isinstance(refused.parsed, ErrorBody), refused.parsed
assert refused.parsed.errors[0].field == "prompt", refused.parsed
print("client ok", task_id)
