//! Validation messages and the BFF's error codes in the reader's language. English comes
//! from omni-api (the same sentence the BFF puts in its envelope); Chinese is written
//! here from the problem's typed parameters, so a rule and its numbers are never parsed
//! back out of text.

use super::{lang, scenario_words, Lang};
use omni_api::omni_video::FrameType;
use omni_api::problem::seconds_words;
use omni_api::prompt::{Malformed, RefKind};
use omni_api::{Expected, Feature, FieldError, Problem};

/// The message for one field error, without the field name.
pub fn field_message(e: &FieldError) -> String {
    match (lang(), &e.problem) {
        (Lang::En, _) | (_, Problem::Other) => e.message.clone(),
        (Lang::Zh, p) => zh(p),
    }
}

fn kind_zh(k: RefKind) -> &'static str {
    match k {
        RefKind::Image => "图片",
        RefKind::Element => "主体",
        RefKind::Video => "视频",
    }
}

fn frame_zh(f: FrameType) -> &'static str {
    match f {
        FrameType::FirstFrame => "首帧",
        FrameType::EndFrame => "尾帧",
    }
}

fn feature_zh(f: Feature) -> &'static str {
    match f {
        Feature::Sound => "声音",
        Feature::MultiShot => "多镜头分镜",
        Feature::Elements => "主体",
        Feature::Series => "组图",
        Feature::SeriesAuto => "自动组图数量",
        Feature::ImageReference => "image_reference（主体或人脸参考）",
        Feature::ReferenceImage => "参考图",
    }
}

fn list(items: &[String]) -> String {
    items.join("、")
}

fn zh(p: &Problem) -> String {
    use Problem::*;
    match p {
        WrongType { expected } => match expected {
            Expected::JsonObject => "必须是 JSON 对象".into(),
            Expected::String => "必须是字符串".into(),
            Expected::WholeNumber => "必须是整数".into(),
            Expected::Number => "必须是数字".into(),
            Expected::Boolean => "必须是 true 或 false".into(),
            Expected::Object => "必须是对象".into(),
            Expected::Array => "必须是数组".into(),
            Expected::ElementId => "必须是正整数（64 位 ID）".into(),
            Expected::Date => "必须是日期，格式 YYYY-MM-DD".into(),
        },
        IdCharacters => "不能包含空格、控制字符或 / ? # %".into(),
        Required => "必填".into(),
        RequiredFor { scenario } => format!("{}时必填", scenario_words(*scenario)),
        SubjectImageNeeded => "多视角需要一张主体图片".into(),
        ImageReferenceNeeded => "使用 kling-v1-5 且有参考图时必填：主体或人脸".into(),
        Blank => "不能为空".into(),
        MaxChars { max, got } => format!("最多 {max} 个字符（当前 {got} 个）"),
        CharsBetween { min, max, got } => format!("必须为 {min} 到 {max} 个字符（当前 {got} 个）"),
        KeyCharacters => "只能包含字母 A-Z、a-z、数字、- 和 _".into(),
        NotACursor => "不是本服务器给出的分页游标".into(),
        NotOneOf { got, allowed } => {
            format!("此处不允许“{got}”；可选值：{}", list(allowed))
        }
        DurationFor {
            scenario,
            got,
            allowed,
        } => format!(
            "{}的时长必须是 {} 秒（当前 {got}）",
            scenario_words(*scenario),
            seconds_words(allowed, " 到 ", " 或 ")
        ),
        Range { min, max, got } => format!("必须在 {min} 到 {max} 之间（当前 {got}）"),
        AfterEnd { end } => format!("不能晚于结束日期（{end}）"),
        TooManyDays { max } => format!("最多覆盖 {max} 天"),
        BatchTooLarge { max, got } => format!("一批最多生成 {max} 个任务（这一批有 {got} 个）"),
        FollowsInput { scenario } => {
            format!(
                "{}时不能设置：输出沿用输入的比例",
                scenario_words(*scenario)
            )
        }
        NegativePromptWithImage => "有参考图（图生图）时不支持".into(),
        SeriesAmountWithoutSeries => "仅在输出为组图时适用".into(),
        TooManyImages { max, got } => format!("最多 {max} 张图片（当前 {got} 张）"),
        TooManyReferences { max, got } => {
            format!("参考图与主体合计最多 {max} 个（当前 {got} 个）")
        }
        TooManyVideoReferences {
            max,
            got,
            with_video,
        } => format!(
            "{}参考视频时，图片与主体合计最多 {max} 个（当前 {got} 个）",
            if *with_video { "有" } else { "无" }
        ),
        TooManyVideos { max } => format!("最多 {max} 个参考视频"),
        TooManyFurtherImages { max, got } => {
            format!("其他参考图最多 {max} 张（当前 {got} 张）")
        }
        TooFewFurtherImages { min } => format!("至少需要 {min} 张其他参考图"),
        DuplicateFrame { frame } => format!("只能有一张图片作为{}", frame_zh(*frame)),
        DuplicateTag { tag } => format!("标签“{tag}”重复"),
        UrlInvalid => "必须是完整的 http(s) 地址".into(),
        UrlScheme { scheme } => format!("必须使用 http 或 https，而不是“{scheme}”"),
        FileExtension { ext, allowed } => {
            let dotted: Vec<String> = allowed.iter().map(|e| format!(".{e}")).collect();
            format!("扩展名为 .{ext}；只接受 {}", list(&dotted))
        }
        EmptyDataUrl => "data URL 的逗号后没有 base64 数据".into(),
        NotUrlOrBase64 => "既不是 http(s) 地址，也不是有效的 base64".into(),
        NotJpegOrPng => "不是 JPEG 或 PNG 图片".into(),
        DamagedImage { format } => format!("是损坏的“{format}”图片"),
        ImageFormat { format } => format!("是“{format}”图片；只接受 JPEG 和 PNG"),
        ImageTooLarge { bytes, max } => {
            format!("大小为 {bytes} 字节；最大 10 MB（{max} 字节）")
        }
        ImageTooSmall { width, height, min } => {
            format!("尺寸为 {width}×{height} 像素；短边至少 {min} 像素")
        }
        ImageAspectRatio { width, height } => {
            format!("尺寸为 {width}×{height} 像素；宽高比须在 1:2.5 与 2.5:1 之间")
        }
        PlaceholderMalformed { token, at, why } => {
            let why = match why {
                Malformed::Unclosed => "缺少结尾的 >>>".to_owned(),
                Malformed::UnknownKind(k) => {
                    format!("使用了未知类型“{k}”；请用 image、element 或 video")
                }
                Malformed::BadIndex(i) if i.is_empty() => "缺少编号；编号从 1 开始".into(),
                Malformed::BadIndex(i) => format!("编号“{i}”无效；编号从 1 开始"),
            };
            format!("第 {at} 个字符处的“{token}”{why}")
        }
        PlaceholderKind { token, at, allowed } if allowed.is_empty() => {
            format!("第 {at} 个字符处的 {token}：此接口不接受占位符")
        }
        PlaceholderKind { token, at, allowed } => {
            let kinds: Vec<String> = allowed.iter().map(|k| kind_zh(*k).to_owned()).collect();
            format!("第 {at} 个字符处的 {token}：此接口只接受{}", list(&kinds))
        }
        PlaceholderDangling {
            token,
            at,
            kind,
            have,
        } => format!(
            "第 {at} 个字符处的 {token} 没有对应的{}：{} 只有 {have} 项",
            kind_zh(*kind),
            kind.list_field()
        ),
        EndFrameWithoutFirstFrame => "有尾帧时必须有首帧".into(),
        EndFrameWithManyImages { max } => format!("最多 {max} 张图片时才能设置尾帧"),
        TooManyElementsWithFrames {
            max,
            got,
            end_frame,
        } => format!(
            "{}时最多 {max} 个主体（当前 {got} 个）",
            if *end_frame {
                "有首帧和尾帧"
            } else {
                "有首帧"
            }
        ),
        SoundWithVideo => "引用视频时声音必须关闭".into(),
        EndFrameWithMultiShot => "分镜可以从首帧开始，但不能有尾帧".into(),
        TooManyShots { max, got } => format!("最多 {max} 个镜头（当前 {got} 个）"),
        ShotSum { sum, duration } => {
            format!("各镜头时长合计 {sum} 秒，但视频时长为 {duration} 秒；两者必须相等")
        }
        NotForModel { feature, model } => format!("{model} 不支持{}", feature_zh(*feature)),
        UnknownField => "不是本工作室认识的字段（此处拒绝未知字段）".into(),
        FrameWithVideoEdit => "编辑视频（refer_type 为 base）时不能设置首帧或尾帧".into(),
        VideoDuration { seconds, min, max } => {
            format!("时长 {seconds:.1} 秒；必须在 {min} 到 {max} 秒之间")
        }
        VideoResolution {
            width,
            height,
            min,
            max,
        } => format!("尺寸为 {width}×{height} 像素；短边须在 {min} 到 {max} 像素之间"),
        VideoFrameRate { fps, min, max } => {
            format!("帧率为 {fps:.0} fps；必须在 {min} 到 {max} 之间")
        }
        VideoTooLarge { bytes, max } => {
            format!("大小为 {bytes} 字节；最大 {} MB", max / 1024 / 1024)
        }
        Other => String::new(),
    }
}

/// An error answer in words, with what the user can do: (what, advice). The BFF's own
/// refusals that share the generic parameter code are told apart by their HTTP status.
pub fn code_words(status: u16, code: i64) -> (&'static str, &'static str) {
    match (status, code) {
        (409, _) => (
            "与之前的请求冲突",
            "这个自定义任务 ID 已用于内容不同的请求；请换一个 ID。",
        ),
        (413, _) => ("请求过大", "请减少参考图片的数量或大小。"),
        (_, code) => by_code(code),
    }
}

fn by_code(code: i64) -> (&'static str, &'static str) {
    use omni_api::codes::*;
    match code {
        AUTH_FAILED => ("鉴权失败", "工作室的上游凭据有误，请联系管理员。"),
        AUTH_EMPTY => ("鉴权信息为空", "工作室没有上游凭据，请联系管理员。"),
        AUTH_INVALID => ("鉴权信息无效", "上游不接受工作室的密钥，请联系管理员。"),
        AUTH_NOT_YET_VALID => ("鉴权尚未生效", "服务器时钟偏快，请联系管理员。"),
        AUTH_EXPIRED => ("鉴权已过期", "请重试；工作室会自动更新令牌。"),
        ACCOUNT_EXCEPTION => ("账户异常", "上游账户有问题，请联系管理员。"),
        ACCOUNT_ARREARS => ("账户欠费", "上游账户需要充值。"),
        RESOURCE_PACK_EXHAUSTED => ("资源包已用完或已过期", "额度已用完，需要更多额度。"),
        NO_PERMISSION => ("无权使用此接口或模型", "此账户不能使用该模型，请换一个。"),
        BAD_REQUEST | INVALID_PARAMS => ("参数无效", "请检查表单中标出的字段。"),
        INVALID_METHOD => ("请求方法无效", "工作室以错误方式调用了接口，请报告此问题。"),
        NOT_FOUND => ("资源不存在", "任务或模型不存在（或已不存在）。"),
        POLICY => ("触发平台策略", "请求违反平台策略，请修改提示词或参考。"),
        CONTENT_SAFETY => (
            "触发内容安全策略",
            "内容安全审核拒绝了请求，请修改提示词或参考。",
        ),
        RATE_LIMIT => ("请求过于频繁", "请稍等片刻再试。"),
        CONCURRENCY => (
            "并发数超出资源包限制",
            "同时运行的任务过多，请等其中一个结束后再试。",
        ),
        IP_NOT_ALLOWED => ("IP 不在白名单中", "上游不允许服务器的地址，请联系管理员。"),
        MAINTENANCE => ("服务维护中", "服务正在维护，请稍后再试。"),
        TIMEOUT => ("超时或积压", "服务繁忙或未及时响应，请重试。"),
        _ => ("内部错误", "服务出现内部错误，请重试。"),
    }
}
