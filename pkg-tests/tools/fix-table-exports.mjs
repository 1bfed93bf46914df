// Repairs table exports after Debian's wasm-opt (Binaryen 108).
//
// wasm-bindgen (with reference types, on by default in Rust's wasm target) adds a second
// table, of externrefs, and exports it as `__wbindgen_externrefs`. Binaryen 108 predates
// proper multi-table support: it keeps both tables but writes every table export with index
// 0, the funcref table, and the page then fails to start with "WebAssembly.Table.set():
// Argument 1 is invalid for table". This points each table export back at the table of the
// element type it had before wasm-opt (there is exactly one table of each type), in place.
//
//   node fix-table-exports.mjs BEFORE.wasm AFTER.wasm     (rewrites AFTER.wasm if needed)

import { readFileSync, writeFileSync } from 'node:fs';

/** A cursor over a module's bytes with the LEB128 reads the binary format needs. */
class Reader {
  constructor(bytes, at = 0) { this.b = bytes; this.at = at; }
  byte() { return this.b[this.at++]; }
  u32() {
    let result = 0, shift = 0, byte;
    do { byte = this.byte(); result |= (byte & 0x7f) << shift; shift += 7; } while (byte & 0x80);
    return result >>> 0;
  }
  name() { const n = this.u32(); const s = Buffer.from(this.b.subarray(this.at, this.at + n)).toString('utf8'); this.at += n; return s; }
  limits() { const flags = this.byte(); this.u32(); if (flags & 1) this.u32(); }
}

/** Table element types in index order (imported ones first) and table exports. */
function tablesAndExports(bytes) {
  const r = new Reader(bytes, 8);
  const tables = [];
  const exports = [];
  while (r.at < bytes.length) {
    const id = r.byte();
    const size = r.u32();
    const end = r.at + size;
    if (id === 2) { // imports: imported tables come first in the index space
      for (let n = r.u32(); n > 0; n--) {
        r.name(); r.name();
        const kind = r.byte();
        if (kind === 0) r.u32();
        else if (kind === 1) { tables.push(r.byte()); r.limits(); }
        else if (kind === 2) r.limits();
        else if (kind === 3) { r.byte(); r.byte(); }
        else if (kind === 4) { r.byte(); r.u32(); }
        else throw new Error(`unknown import kind ${kind}`);
      }
    } else if (id === 4) {
      for (let n = r.u32(); n > 0; n--) { tables.push(r.byte()); r.limits(); }
    } else if (id === 7) {
      for (let n = r.u32(); n > 0; n--) {
        const name = r.name();
        const kind = r.byte();
        const at = r.at;
        const index = r.u32();
        if (kind === 1) exports.push({ name, index, at, width: r.at - at });
      }
    }
    r.at = end;
  }
  return { tables, exports };
}

const [before, after] = process.argv.slice(2);
if (!before || !after) {
  console.error('usage: node fix-table-exports.mjs BEFORE.wasm AFTER.wasm');
  process.exit(2);
}
const original = tablesAndExports(readFileSync(before));
const bytes = readFileSync(after);
const optimised = tablesAndExports(bytes);
let fixed = 0;
for (const exp of optimised.exports) {
  const was = original.exports.find((e) => e.name === exp.name);
  if (!was) continue;
  const type = original.tables[was.index];
  if (optimised.tables[exp.index] === type) continue;
  const candidates = optimised.tables.flatMap((t, i) => (t === type ? [i] : []));
  if (candidates.length !== 1 || exp.width !== 1 || candidates[0] > 0x7f) {
    console.error(`cannot repair table export ${exp.name}: ${candidates.length} tables of its type`);
    process.exit(1);
  }
  bytes[exp.at] = candidates[0];
  fixed++;
  console.error(`repaired table export ${exp.name}: table ${exp.index} -> ${candidates[0]} (wasm-opt 108 multi-table bug)`);
}
if (fixed) writeFileSync(after, bytes);
