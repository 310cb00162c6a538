// The size of each function body in a WebAssembly module, by function index (imports
// first, as the engine numbers them): what the bench needs to weigh the code a browser
// compiled, read from the binary format's import and code sections.

function leb(bytes, at) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const b = bytes[at++];
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (b < 0x80) return [value, at];
  }
}

/// `{ imported, sizes }`: how many functions are imported, and each defined function's
/// body size in bytes (the function with index `imported + i` is `sizes[i]`).
export function functionSizes(bytes) {
  let at = 8;
  let imported = 0;
  const sizes = [];
  while (at < bytes.length) {
    const id = bytes[at++];
    let size;
    [size, at] = leb(bytes, at);
    const end = at + size;
    if (id === 2) imported = importedFunctions(bytes, at);
    if (id === 10) {
      let [count, p] = leb(bytes, at);
      for (let i = 0; i < count; i++) {
        let body;
        [body, p] = leb(bytes, p);
        sizes.push(body);
        p += body;
      }
    }
    at = end;
  }
  return { imported, sizes };
}

/// The number of function imports in the import section starting at `at`.
function importedFunctions(bytes, at) {
  let count;
  [count, at] = leb(bytes, at);
  let functions = 0;
  const skipName = () => {
    let len;
    [len, at] = leb(bytes, at);
    at += len;
  };
  const limits = () => {
    let flags;
    [flags, at] = leb(bytes, at);
    [, at] = leb(bytes, at);
    if (flags & 1) [, at] = leb(bytes, at);
  };
  for (let i = 0; i < count; i++) {
    skipName();
    skipName();
    const kind = bytes[at++];
    if (kind === 0) {
      functions++;
      [, at] = leb(bytes, at);
    } else if (kind === 1) {
      at++; // reference type
      limits();
    } else if (kind === 2) {
      limits();
    } else if (kind === 3) {
      at += 2; // value type, mutability
    } else if (kind === 4) {
      at++;
      [, at] = leb(bytes, at);
    }
  }
  return functions;
}
