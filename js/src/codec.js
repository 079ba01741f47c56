// JSON ⇄ jco values, driven by the component's own types (dist/signatures.json, written by
// `databricks-account write-js-catalog`). The JSON side is the CLI's and the card list's:
//
//   record            object, keys in snake_case (`account_id`); an option field may be absent
//                     or null; an unknown key is refused
//   enum              the case name in snake_case (`aws_gov`)
//   variant           "case" without payload, {"case": payload} with one
//   option<T>         null or the value
//   result<T, E>      {"ok": value} / {"err": value}
//   flags             a list of flag names
//   u64, s64          a Number when it is a safe integer (|n| ≤ 2^53 − 1), else a decimal string;
//                     taken as a safe-integer Number, a BigInt or a decimal string
//   f32, f64          numbers; "NaN", "Infinity", "-Infinity" for what JSON lacks
//
// jco's side: camelCase keys, kebab-case enum strings, {tag, val} variants, BigInt for 64-bit
// integers and typed arrays for lists of numbers. Errors name the JSON path in the caller's
// spelling (`input.member_ids[2]`) and never echo a value: a connection holds secrets.

/** A value that does not fit its card's input or connection type. */
export class InputError extends Error {
  constructor(path, reason) {
    super(`${path}: ${reason}`);
    this.name = 'InputError';
    this.path = path;
    this.reason = reason;
  }
}

const snake = (wit) => wit.replaceAll('-', '_');
/** jco's name of a record field or flag: lower camel case of the WIT name. */
const camel = (wit) =>
  wit
    .split('-')
    .map((part, i) => (i === 0 ? part.toLowerCase() : part.charAt(0).toUpperCase() + part.slice(1).toLowerCase()))
    .join('');

const RANGES = {
  s8: [-(2 ** 7), 2 ** 7 - 1],
  u8: [0, 2 ** 8 - 1],
  s16: [-(2 ** 15), 2 ** 15 - 1],
  u16: [0, 2 ** 16 - 1],
  s32: [-(2 ** 31), 2 ** 31 - 1],
  u32: [0, 2 ** 32 - 1],
};
const BIG_RANGES = { s64: [-(2n ** 63n), 2n ** 63n - 1n], u64: [0n, 2n ** 64n - 1n] };
const TYPED_ARRAYS = {
  s8: Int8Array,
  u8: Uint8Array,
  s16: Int16Array,
  u16: Uint16Array,
  s32: Int32Array,
  u32: Uint32Array,
  s64: BigInt64Array,
  u64: BigUint64Array,
  f32: Float32Array,
  f64: Float64Array,
};

function kindOf(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  if (typeof value === 'bigint') return 'integer';
  return typeof value; // string, boolean, object, undefined, ...
}

const isPlainObject = (value) => value !== null && typeof value === 'object' && !Array.isArray(value);

/** Converts one card's types; `types` is the shared table of named types. */
export class Codec {
  constructor(types) {
    this.types = types;
  }

  resolve(type) {
    return typeof type === 'object' && type !== null && 'ref' in type ? this.types[type.ref] : type;
  }

  /** JSON (the caller's value) → jco value of `type`. Throws InputError. */
  lower(json, type, path) {
    const t = this.resolve(type);
    const fail = (reason) => {
      throw new InputError(path, reason);
    };
    const expected = (what) => fail(`expected ${what}, got ${kindOf(json)}`);
    if (typeof t === 'string') {
      switch (t) {
        case 'bool':
          return typeof json === 'boolean' ? json : expected('boolean');
        case 'string':
          return typeof json === 'string' ? json : expected('string');
        case 'char':
          return typeof json === 'string' && [...json].length === 1 ? json : expected('a one-character string');
        case 'f32':
        case 'f64':
          if (typeof json === 'number') return json;
          if (json === 'NaN') return NaN;
          if (json === 'Infinity') return Infinity;
          if (json === '-Infinity') return -Infinity;
          return expected('number');
        case 's64':
        case 'u64':
          return this.lowerBig(json, t, path);
        default: {
          const range = RANGES[t];
          if (!range) return fail(`values of type ${t} cannot be written as JSON`);
          if (typeof json !== 'number' && typeof json !== 'bigint') return expected('integer');
          const n = Number(json);
          if (!Number.isInteger(n)) return fail('expected integer, got a fractional number');
          if (n < range[0] || n > range[1]) return fail(`integer out of range for ${t}`);
          return n;
        }
      }
    }
    const [kind, body] = Object.entries(t)[0];
    switch (kind) {
      case 'list':
      case 'fixed': {
        const element = kind === 'list' ? body : body[0];
        if (!Array.isArray(json)) return expected('array');
        if (kind === 'fixed' && json.length !== body[1]) {
          return fail(`expected an array of ${body[1]} items, got ${json.length}`);
        }
        const items = json.map((item, i) => this.lower(item, element, `${path}[${i}]`));
        const Typed = typeof element === 'string' ? TYPED_ARRAYS[element] : undefined;
        return Typed ? Typed.from(items) : items;
      }
      case 'option':
        if (json === null || json === undefined) return undefined;
        if (this.isOption(body)) return fail('nested options are not supported');
        return this.lower(json, body, path);
      case 'tuple':
        if (!Array.isArray(json)) return expected('array');
        if (json.length !== body.length) return fail(`expected an array of ${body.length} items, got ${json.length}`);
        return body.map((element, i) => this.lower(json[i], element, `${path}[${i}]`));
      case 'record': {
        if (!isPlainObject(json)) return expected('object');
        const out = {};
        const known = body.map(([name]) => snake(name));
        for (const key of Object.keys(json)) {
          if (!known.includes(key)) throw new InputError(`${path}.${key}`, `unknown field (expected one of: ${known.join(', ')})`);
        }
        for (const [name, fieldType] of body) {
          const key = snake(name);
          const value = json[key];
          const fieldPath = `${path}.${key}`;
          if ((value === undefined || value === null) && this.isOption(fieldType)) {
            out[camel(name)] = undefined;
          } else if (value === undefined) {
            throw new InputError(fieldPath, 'missing required field');
          } else {
            out[camel(name)] = this.lower(value, fieldType, fieldPath);
          }
        }
        return out;
      }
      case 'variant': {
        const [key, payload, hasPayload] = this.tagged(json, path, 'a case name or {"case": payload}');
        const found = body.find(([name]) => snake(name) === key);
        if (!found) return fail(`unknown case (expected one of: ${body.map(([n]) => snake(n)).join(', ')})`);
        const [name, caseType] = found;
        if (caseType === null) {
          if (hasPayload && payload !== null) {
            throw new InputError(`${path}.${key}`, 'this case takes no payload (use the bare string or null)');
          }
          return { tag: name };
        }
        if (!hasPayload) return fail(`case \`${key}\` needs a payload: {"${key}": …}`);
        return { tag: name, val: this.lower(payload, caseType, `${path}.${key}`) };
      }
      case 'enum': {
        if (typeof json !== 'string') return expected('string');
        const name = body.find((n) => snake(n) === json);
        return name ?? fail(`unknown case (expected one of: ${body.map(snake).join(', ')})`);
      }
      case 'flags': {
        if (!Array.isArray(json)) return expected('array');
        const out = Object.fromEntries(body.map((n) => [camel(n), false]));
        json.forEach((item, i) => {
          const name = typeof item === 'string' ? body.find((n) => snake(n) === item) : undefined;
          if (!name) throw new InputError(`${path}[${i}]`, `unknown flag (expected some of: ${body.map(snake).join(', ')})`);
          if (out[camel(name)]) throw new InputError(`${path}[${i}]`, 'flag listed twice');
          out[camel(name)] = true;
        });
        return out;
      }
      case 'result': {
        const [key, payload, hasPayload] = this.tagged(json, path, '{"ok": value} or {"err": value}');
        const caseType = key === 'ok' ? body[0] : key === 'err' ? body[1] : fail('expected {"ok": value} or {"err": value}');
        const val = caseType === null ? undefined : hasPayload ? this.lower(payload, caseType, `${path}.${key}`) : fail('missing payload');
        return { tag: key, val };
      }
      default:
        return fail(`values of this type cannot be written as JSON`);
    }
  }

  /** jco value of `type` (as a card returned it) → JSON-safe value. */
  lift(value, type) {
    const t = this.resolve(type);
    if (typeof t === 'string') {
      switch (t) {
        case 's64':
        case 'u64': {
          const big = BigInt(value);
          return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big.toString();
        }
        case 'f32':
        case 'f64':
          if (Number.isNaN(value)) return 'NaN';
          if (value === Infinity) return 'Infinity';
          if (value === -Infinity) return '-Infinity';
          return value;
        default:
          return value;
      }
    }
    const [kind, body] = Object.entries(t)[0];
    switch (kind) {
      case 'list':
      case 'fixed': {
        const element = kind === 'list' ? body : body[0];
        return Array.from(value, (item) => this.lift(item, element));
      }
      case 'option':
        return value === undefined || value === null ? null : this.lift(value, body);
      case 'tuple':
        return body.map((element, i) => this.lift(value[i], element));
      case 'record':
        return Object.fromEntries(body.map(([name, fieldType]) => [snake(name), this.lift(value[camel(name)], fieldType)]));
      case 'variant': {
        const found = body.find(([name]) => name === value.tag);
        if (!found || found[1] === null) return snake(value.tag);
        return { [snake(value.tag)]: this.lift(value.val, found[1]) };
      }
      case 'enum':
        return snake(value);
      case 'flags':
        return body.filter((name) => value[camel(name)]).map(snake);
      case 'result': {
        const caseType = value.tag === 'ok' ? body[0] : body[1];
        return { [value.tag]: caseType === null ? null : this.lift(value.val, caseType) };
      }
      default:
        return null;
    }
  }

  isOption(type) {
    const t = this.resolve(type);
    return typeof t === 'object' && t !== null && 'option' in t;
  }

  lowerBig(json, t, path) {
    let big;
    if (typeof json === 'bigint') big = json;
    else if (typeof json === 'number') {
      if (!Number.isInteger(json)) throw new InputError(path, 'expected integer, got a fractional number');
      if (!Number.isSafeInteger(json)) {
        throw new InputError(path, 'integer beyond 2^53 loses precision as a Number; pass it as a string or a BigInt');
      }
      big = BigInt(json);
    } else if (typeof json === 'string' && /^-?[0-9]+$/.test(json)) big = BigInt(json);
    else throw new InputError(path, `expected integer (a Number, a BigInt or a decimal string), got ${kindOf(json)}`);
    const [min, max] = BIG_RANGES[t];
    if (big < min || big > max) throw new InputError(path, `integer out of range for ${t}`);
    return big;
  }

  /** A case name ("all") or a one-key object ({"page": {...}}): [key, payload, hasPayload]. */
  tagged(json, path, what) {
    if (typeof json === 'string') return [json, undefined, false];
    if (isPlainObject(json)) {
      const keys = Object.keys(json);
      if (keys.length === 1) return [keys[0], json[keys[0]], true];
      throw new InputError(path, `expected ${what}: an object with exactly one key, got ${keys.length} keys`);
    }
    throw new InputError(path, `expected ${what}, got ${kindOf(json)}`);
  }
}

export { camel, snake };
