'use strict';
// Turns the connector's card catalog (catalog.json: one entry per card, with the JSON Schemas
// of its input and output) into n8n node properties, and n8n parameters back into card input.
// Everything here is generic: no card is named, every decision is read off the schemas.

/** Words shown in capitals when a snake_case name becomes a display name. */
const ACRONYMS = new Map(
  [
    'id', 'ids', 'ip', 'ips', 'url', 'urls', 'uri', 'scim', 'sql', 'vpc', 'aws', 'gcp', 'oauth', 'oidc',
    'csv', 'ttl', 'usd', 'api', 'apis', 'ui', 'kms', 'arn', 'dns', 'cidr', 'm2m', 'u2m', 'sso', 'saml',
    'jwt', 'pkce', 'iam', 'dod', 'gov', 'nat', 'cmk',
  ].map((w) => [w, w === 'ids' ? 'IDs' : w === 'ips' ? 'IPs' : w === 'urls' ? 'URLs' : w === 'apis' ? 'APIs' : w === 'oauth' ? 'OAuth' : w.toUpperCase()]),
);

/** `user_name` → `User Name`, `workspace_id` → `Workspace ID`, `oauth` → `OAuth`. */
function displayName(name) {
  return String(name)
    .split(/[_\-\s]+/)
    .filter(Boolean)
    .map((w) => ACRONYMS.get(w.toLowerCase()) || w.charAt(0).toUpperCase() + w.slice(1))
    .join(' ');
}

/**
 * Strips `anyOf: [X, {type: null}]` (how the catalog spells an optional value) down to X.
 * Returns the schema without the null branch; `description` of the outer schema wins.
 */
function unwrapNullable(schema) {
  if (!schema || typeof schema !== 'object') return schema || {};
  const alts = schema.anyOf || schema.oneOf;
  if (Array.isArray(alts)) {
    const rest = alts.filter((s) => !(s && s.type === 'null'));
    if (rest.length === 1 && rest.length < alts.length) {
      const inner = unwrapNullable(rest[0]);
      return { ...inner, description: schema.description || inner.description };
    }
  }
  if (Array.isArray(schema.type)) {
    const rest = schema.type.filter((t) => t !== 'null');
    if (rest.length === 1) return { ...schema, type: rest[0] };
  }
  return schema;
}

/** The constants of a string enum (`enum: [...]` or `oneOf: [{const}, ...]`), or null. */
function enumValues(schema) {
  if (Array.isArray(schema.enum) && schema.enum.length && schema.enum.every((v) => typeof v === 'string')) {
    return schema.enum;
  }
  const alts = schema.oneOf || schema.anyOf;
  if (Array.isArray(alts) && alts.length && alts.every((s) => s && typeof s.const === 'string')) {
    return alts.map((s) => s.const);
  }
  return null;
}

/** Per-value descriptions from an enum's doc lines (`- \`value\`: text`) or its `oneOf` branches. */
function enumDescriptions(schema) {
  const out = {};
  const alts = schema.oneOf || schema.anyOf;
  if (Array.isArray(alts)) for (const s of alts) if (s && typeof s.const === 'string' && s.description) out[s.const] = s.description;
  const text = schema.description || '';
  for (const m of text.matchAll(/^\s*-\s*`([^`]+)`\s*:\s*(.+)$/gm)) out[m[1]] = m[2].trim();
  return out;
}

/** The first line of an enum's description, without its per-value list. */
function leadDescription(text) {
  if (!text) return '';
  return text
    .split('\n')
    .filter((l) => !/^\s*-\s*`[^`]+`\s*:/.test(l))
    .join('\n')
    .trim();
}

/** The n8n loadOptions method of a picker (`x-options` in the card list's schema). */
function pickerMethod(picker) {
  return `picker_${[picker.card, picker.value, picker.label].join('_').replace(/[^A-Za-z0-9_]/g, '_')}`;
}

/** How a top-level input property becomes an n8n parameter type. */
function fieldKind(schema) {
  const s = unwrapNullable(schema);
  // A field naming an object a card lists: a drop-down filled by that card (an expression still
  // works); a list of them, a multi-select.
  const picker = schema['x-options'];
  if (picker && (s.type === 'string' || s.type === 'integer')) return { type: 'options', picker, number: s.type === 'integer', schema: s };
  if (picker && s.type === 'array' && ['string', 'integer'].includes(s.items && s.items.type)) {
    return { type: 'multiOptions', picker, number: s.items.type === 'integer', schema: s };
  }
  const values = enumValues(s);
  if (values) return { type: 'options', values, schema: s };
  switch (s.type) {
    case 'string':
      return { type: 'string', schema: s };
    case 'integer':
      return { type: 'number', integer: true, schema: s };
    case 'number':
      return { type: 'number', integer: false, schema: s };
    case 'boolean':
      return { type: 'boolean', schema: s };
    default:
      return { type: 'json', schema: s };
  }
}

/** Parameter names used by the node itself; an input field with one of them gets another name. */
const RESERVED = new Set(['resource', 'operation', 'additionalFields', 'splitRecords', 'runOptions']);

function paramName(field) {
  return RESERVED.has(field) ? `${field}_field` : field;
}

function placeholderFor(kind, example) {
  if (example === undefined || example === null) return undefined;
  if (kind.type === 'json') return JSON.stringify(example);
  if (kind.type === 'boolean' || kind.type === 'options') return undefined;
  return String(example);
}

function jsonShapeHint(s) {
  if (s.type === 'array') return 'a JSON array';
  if (s.type === 'object') return 'a JSON object';
  if (s.oneOf || s.anyOf) return 'JSON: one of the variants described';
  return 'JSON';
}

/** One input property → one n8n parameter description (without displayOptions). */
function fieldParameter(field, propSchema, { required, example }) {
  const kind = fieldKind(propSchema);
  const s = kind.schema;
  let description = leadDescription(propSchema.description || s.description || '');
  const p = { displayName: displayName(field), name: paramName(field), type: kind.type };
  if (kind.type === 'string') {
    p.default = '';
    if (/never echoed/i.test(description)) p.typeOptions = { password: true };
  } else if (kind.type === 'number') {
    p.default = 0;
    const typeOptions = {};
    if (kind.integer) typeOptions.numberPrecision = 0;
    if (Number.isSafeInteger(s.minimum)) typeOptions.minValue = s.minimum;
    if (Number.isSafeInteger(s.maximum)) typeOptions.maxValue = s.maximum;
    if (Object.keys(typeOptions).length) p.typeOptions = typeOptions;
  } else if (kind.type === 'boolean') {
    p.default = false;
  } else if (kind.picker) {
    p.typeOptions = { loadOptionsMethod: pickerMethod(kind.picker) };
    p.default = kind.type === 'multiOptions' ? [] : '';
    const choices = `Choose from ${displayName(kind.picker.card.replace(/-/g, '_'))}, or give the ID by expression.`;
    description = description ? `${description} ${choices}` : choices;
  } else if (kind.type === 'options') {
    const docs = enumDescriptions(s);
    p.options = kind.values.map((v) => {
      const o = { name: displayName(v), value: v };
      if (docs[v]) o.description = docs[v];
      return o;
    });
    p.default = kind.values[0];
  } else {
    p.default = '';
    description = description ? `${description} (${jsonShapeHint(s)})` : jsonShapeHint(s);
  }
  if (description) p.description = description;
  const ph = placeholderFor(kind, example);
  if (ph !== undefined) p.placeholder = ph;
  if (required) p.required = true;
  return p;
}

/**
 * The property of an output that holds its records, when the output is plainly a wrapper around a
 * list; otherwise null. A wrapper has exactly one required property that is an array of objects
 * (the records), and its other properties are metadata: scalars or variants (a page token, the next
 * index, a stop reason), none of them a plain object or array, and required only when a count or
 * flag (integer, boolean); and it has fewer of them than a record has fields.
 */
function recordsKey(outputSchema) {
  const o = unwrapNullable(outputSchema);
  if (!o || o.type !== 'object' || !o.properties) return null;
  const required = new Set(o.required || []);
  let key = null;
  let others = 0;
  for (const [name, raw] of Object.entries(o.properties)) {
    const s = unwrapNullable(raw);
    const optional = s !== raw || !required.has(name);
    if (s.type === 'array' && unwrapNullable(s.items || {}).type === 'object' && !optional) {
      if (key) return null;
      key = name;
      continue;
    }
    others += 1;
    if (s.type === 'object' || s.type === 'array') return null;
    if (!optional && !['integer', 'number', 'boolean'].includes(s.type)) return null;
  }
  if (!key) return null;
  const item = unwrapNullable(unwrapNullable(o.properties[key]).items);
  return others < Object.keys(item.properties || {}).length ? key : null;
}

/** The fields of one card, split into required and optional, in schema order. */
function cardFields(card) {
  const input = unwrapNullable(card.input || {});
  const required = new Set(input.required || []);
  const examples = card.example_input && typeof card.example_input === 'object' ? card.example_input : {};
  const fields = Object.entries(input.properties || {}).map(([field, schema]) => ({
    field,
    name: paramName(field),
    kind: fieldKind(schema),
    required: required.has(field),
    parameter: fieldParameter(field, schema, { required: required.has(field), example: examples[field] }),
  }));
  return { required: fields.filter((f) => f.required), optional: fields.filter((f) => !f.required) };
}

function operationName(card) {
  return card.changes_state ? `${card.label} (changes state)` : card.label;
}

function operationDescription(card) {
  const parts = [card.description || card.label];
  if (card.changes_state && !/changes state/i.test(parts[0])) parts.push('Changes state in the account.');
  return parts.join(' ');
}

/**
 * A card's fields as node properties shown by `show`: each required field, then the optional ones
 * under "Additional Fields" (in name order), where only the fields a user adds go into the input.
 */
function fieldProperties(card, show) {
  const { required, optional } = cardFields(card);
  const properties = required.map((f) => ({ ...f.parameter, displayOptions: show }));
  if (optional.length) {
    properties.push({
      displayName: 'Additional Fields',
      name: 'additionalFields',
      type: 'collection',
      placeholder: 'Add Field',
      default: {},
      displayOptions: show,
      options: optional
        .map((f) => {
          const { required: _r, ...p } = f.parameter;
          return p;
        })
        .sort((a, b) => a.displayName.localeCompare(b.displayName)),
    });
  }
  return properties;
}

/** All node properties (resource, operation, fields) generated from the catalog. */
function buildProperties(catalog) {
  const cards = catalog.cards || [];
  const categories = [];
  for (const c of cards) if (!categories.includes(c.category)) categories.push(c.category);

  const properties = [
    {
      displayName: 'Resource',
      name: 'resource',
      type: 'options',
      noDataExpression: true,
      options: categories.map((c) => ({ name: displayName(c), value: c })).sort((a, b) => a.name.localeCompare(b.name)),
      default: categories[0],
    },
  ];

  for (const category of categories) {
    const inCategory = cards.filter((c) => c.category === category);
    properties.push({
      displayName: 'Operation',
      name: 'operation',
      type: 'options',
      noDataExpression: true,
      displayOptions: { show: { resource: [category] } },
      options: inCategory
        .map((c) => ({ name: operationName(c), value: c.id, description: operationDescription(c), action: operationName(c) }))
        .sort((a, b) => a.name.localeCompare(b.name)),
      default: inCategory[0].id,
    });
  }

  for (const card of cards) {
    const show = { show: { resource: [card.category], operation: [card.id] } };
    properties.push(...fieldProperties(card, show));
    const key = recordsKey(card.output);
    if (key) {
      properties.push({
        displayName: 'Split Into Items',
        name: 'splitRecords',
        type: 'boolean',
        default: true,
        displayOptions: show,
        description: `Whether to output one item per entry of \`${key}\` (the other output fields, such as page tokens and counts, are left out); off: one item with the whole output`,
      });
    }
  }

  properties.push({
    displayName: 'Options',
    name: 'runOptions',
    type: 'collection',
    placeholder: 'Add Option',
    default: {},
    options: [
      {
        displayName: 'Time Limit (Seconds)',
        name: 'timeLimitSeconds',
        type: 'number',
        default: 60,
        typeOptions: { minValue: 1 },
        description: 'Wall-clock limit of one card run, retries and paging included',
      },
    ],
  });
  return properties;
}

class FieldError extends Error {
  constructor(field, message) {
    super(message);
    this.field = field;
  }
}

/** An n8n parameter value → the JSON value the card expects for that field. */
function convertValue(f, value) {
  const label = `'${f.parameter.displayName}' (${f.field})`;
  switch (f.kind.type) {
    case 'json': {
      if (typeof value !== 'string') return value;
      const text = value.trim();
      if (text === '') return undefined;
      try {
        return JSON.parse(text);
      } catch (e) {
        throw new FieldError(f.field, `Field ${label} is not valid JSON: ${e.message}`);
      }
    }
    case 'number': {
      if (typeof value === 'number') return value;
      if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
      if (value === '' || value === null || value === undefined) return undefined;
      throw new FieldError(f.field, `Field ${label} must be a number, got ${JSON.stringify(value)}`);
    }
    case 'boolean': {
      if (typeof value === 'boolean') return value;
      if (value === 'true') return true;
      if (value === 'false') return false;
      if (value === '' || value === null || value === undefined) return undefined;
      throw new FieldError(f.field, `Field ${label} must be true or false, got ${JSON.stringify(value)}`);
    }
    case 'multiOptions': {
      if (value === null || value === undefined || value === '') return undefined;
      const list = Array.isArray(value) ? value : String(value).split(',').map((v) => v.trim()).filter(Boolean);
      return list.map((v) => (f.kind.number && typeof v === 'string' && /^-?[0-9]+$/.test(v) && Number.isSafeInteger(Number(v)) ? Number(v) : v));
    }
    default: // string, options
      if (value === null || value === undefined) return undefined;
      if (f.kind.picker && f.kind.number) {
        if (value === '') return undefined;
        return typeof value === 'string' && Number.isSafeInteger(Number(value)) ? Number(value) : value;
      }
      return typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
}

/**
 * Builds a card's input from parameter values. `get(name)` returns a required parameter's value;
 * `additional` is the "Additional Fields" collection (only the fields the user added are present).
 * Unset optional fields are left out; an empty optional string is left out too.
 */
function buildInput(card, get, additional) {
  const { required, optional } = cardFields(card);
  const input = {};
  for (const f of required) {
    const v = convertValue(f, get(f.name));
    if (v !== undefined) input[f.field] = v;
  }
  const extra = additional && typeof additional === 'object' ? additional : {};
  for (const f of optional) {
    if (!Object.prototype.hasOwnProperty.call(extra, f.name)) continue;
    const raw = extra[f.name];
    if (f.kind.type === 'string' && raw === '') continue;
    const v = convertValue(f, raw);
    if (v !== undefined) input[f.field] = v;
  }
  return input;
}

/** Every picker of the card list's inputs, by its loadOptions method name. */
function pickers(catalog) {
  const found = new Map();
  for (const card of catalog.cards) {
    for (const schema of Object.values((card.input && card.input.properties) || {})) {
      const picker = schema['x-options'];
      if (picker) found.set(pickerMethod(picker), picker);
    }
  }
  return found;
}

/** The n8n choices from a picker card's output: each listed object's label and value. */
function choices(picker, output) {
  const objects = picker.items ? output && output[picker.items] : output;
  return (Array.isArray(objects) ? objects : [])
    .filter((o) => o && o[picker.value] !== undefined && o[picker.value] !== null)
    .map((o) => {
      const label = o[picker.label] === undefined || o[picker.label] === null ? o[picker.value] : o[picker.label];
      const choice = { name: String(label), value: o[picker.value] };
      if (picker.label !== picker.value) choice.description = String(o[picker.value]);
      return choice;
    });
}

module.exports = {
  pickerMethod,
  pickers,
  choices,
  displayName,
  unwrapNullable,
  enumValues,
  fieldKind,
  fieldParameter,
  recordsKey,
  cardFields,
  fieldProperties,
  buildProperties,
  buildInput,
  convertValue,
  FieldError,
  operationName,
};
