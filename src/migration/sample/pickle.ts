/**
 * A minimal pickle writer (protocol 4, as CPython 3.11's `pickle.dumps` defaults to) for the plain
 * data the legacy checkpoints held: dicts, lists, strings, numbers, booleans and None. It makes the
 * sample keyspace and the benchmark's 100,000 checkpoints without Python; the tests load its
 * output with CPython to prove it is a real pickle. Pure.
 */
const OP = {
  PROTO: 0x80,
  STOP: 0x2e,
  NONE: 0x4e,
  TRUE: 0x88,
  FALSE: 0x89,
  BININT1: 0x4b,
  BININT2: 0x4d,
  BININT: 0x4a,
  LONG1: 0x8a,
  BINFLOAT: 0x47,
  SHORT_BINUNICODE: 0x8c,
  BINUNICODE: 0x58,
  EMPTY_LIST: 0x5d,
  EMPTY_DICT: 0x7d,
  MARK: 0x28,
  APPENDS: 0x65,
  SETITEMS: 0x75,
} as const;

export type Picklable = null | boolean | number | string | Picklable[] | { [key: string]: Picklable | undefined };

export function pickle(value: Picklable): Buffer {
  const parts: Buffer[] = [Buffer.from([OP.PROTO, 4])];
  write(value, parts);
  parts.push(Buffer.from([OP.STOP]));
  return Buffer.concat(parts);
}

function write(value: Picklable | undefined, parts: Buffer[]): void {
  if (value === null || value === undefined) parts.push(Buffer.from([OP.NONE]));
  else if (typeof value === 'boolean') parts.push(Buffer.from([value ? OP.TRUE : OP.FALSE]));
  else if (typeof value === 'number') parts.push(Number.isInteger(value) ? int(value) : float(value));
  else if (typeof value === 'string') parts.push(str(value));
  else if (Array.isArray(value)) {
    parts.push(Buffer.from([OP.EMPTY_LIST, OP.MARK]));
    value.forEach((item) => write(item, parts));
    parts.push(Buffer.from([OP.APPENDS]));
  } else {
    parts.push(Buffer.from([OP.EMPTY_DICT, OP.MARK]));
    for (const [key, item] of Object.entries(value)) {
      parts.push(str(key));
      write(item, parts);
    }
    parts.push(Buffer.from([OP.SETITEMS]));
  }
}

function int(value: number): Buffer {
  if (value >= 0 && value < 0x100) return Buffer.from([OP.BININT1, value]);
  if (value >= 0 && value < 0x10000) return Buffer.from([OP.BININT2, value & 0xff, value >> 8]);
  if (value >= -0x80000000 && value < 0x80000000) {
    const out = Buffer.alloc(5);
    out[0] = OP.BININT;
    out.writeInt32LE(value, 1);
    return out;
  }
  // LONG1: little-endian two's complement, shortest length.
  let big = BigInt(value);
  const bytes: number[] = [];
  while (true) {
    const byte = Number(big & 0xffn);
    bytes.push(byte);
    big >>= 8n;
    if ((big === 0n && (byte & 0x80) === 0) || (big === -1n && (byte & 0x80) !== 0)) break;
  }
  return Buffer.from([OP.LONG1, bytes.length, ...bytes]);
}

function float(value: number): Buffer {
  const out = Buffer.alloc(9);
  out[0] = OP.BINFLOAT;
  out.writeDoubleBE(value, 1);
  return out;
}

function str(value: string): Buffer {
  const utf8 = Buffer.from(value, 'utf8');
  if (utf8.length < 0x100) return Buffer.concat([Buffer.from([OP.SHORT_BINUNICODE, utf8.length]), utf8]);
  const head = Buffer.alloc(5);
  head[0] = OP.BINUNICODE;
  head.writeUInt32LE(utf8.length, 1);
  return Buffer.concat([head, utf8]);
}
