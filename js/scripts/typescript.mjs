// TypeScript declarations of the package, from the card list's JSON Schemas (which carry the WIT
// doc comments as descriptions): one input and one output type per card, keyed by card ID, and
// the API of src/index.js.

const comment = (text, indent) => {
  if (!text) return '';
  const lines = String(text).replaceAll('*/', '*\\/').split('\n');
  return `${indent}/**\n${lines.map((line) => `${indent} * ${line}`.trimEnd()).join('\n')}\n${indent} */\n`;
};

const quote = (key) => (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? key : JSON.stringify(key));
const is64Bit = (schema) => schema.type === 'integer' && (schema.maximum > Number.MAX_SAFE_INTEGER || schema.minimum < Number.MIN_SAFE_INTEGER);

/** The TypeScript type of a schema; `input` types accept what the package accepts. */
function typeOf(schema, indent, input) {
  if (schema === true || schema === undefined) return 'unknown';
  if (schema === false || schema.not) return 'never';
  if ('const' in schema) return JSON.stringify(schema.const);
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(' | ');
  const union = schema.oneOf ?? schema.anyOf;
  if (union) return union.map((s) => typeOf(s, indent, input)).join(' | ');
  switch (schema.type) {
    case 'boolean':
      return 'boolean';
    case 'string':
      return 'string';
    case 'null':
      return 'null';
    case 'number':
      return 'number';
    case 'integer':
      // Exact in both directions: a Number when safe, else a decimal string (or a BigInt in).
      return is64Bit(schema) ? (input ? 'number | string | bigint' : 'number | string') : 'number';
    case 'array':
      if (schema.prefixItems) return `[${schema.prefixItems.map((s) => typeOf(s, indent, input)).join(', ')}]`;
      return `Array<${typeOf(schema.items, indent, input)}>`;
    case 'object': {
      if (!schema.properties) return `Record<string, ${typeOf(schema.additionalProperties, indent, input)}>`;
      const required = new Set(schema.required ?? []);
      const inner = `${indent}  `;
      const fields = Object.entries(schema.properties).map(([key, property]) => {
        // An option field may be left out on input; on output it is always there (maybe null).
        const optional = input && !required.has(key) ? '?' : '';
        return `${comment(property.description, inner)}${inner}${quote(key)}${optional}: ${typeOf(property, inner, input)};`;
      });
      return `{\n${fields.join('\n')}\n${indent}}`;
    }
    default:
      return 'unknown';
  }
}

const API = `
/** One progress event of a long card (every-page walks, waits, retries). */
export type Progress =
  | { event: 'page'; pages: number; records: number; total: number | null }
  | { event: 'retrying'; reason: 'throttled' | 'unavailable'; attempt: number; after_ms: number }
  | { event: 'waiting'; what: string; status: string; elapsed_ms: number };

export interface ConnectorOptions {
  /** How many cards run at once, each in its own worker thread (default: the CPUs, at most 4). */
  workers?: number;
  /** The time limit of a call when the call sets none, in milliseconds (default 60000). */
  timeLimitMs?: number;
}

export interface RunOptions {
  /** This call's time limit in milliseconds; past it the call rejects with kind \`timeout\`. */
  timeLimitMs?: number;
  /** Stops the call; it rejects with kind \`aborted\`. */
  signal?: AbortSignal;
  /** Receives the card's progress events as it works. */
  onProgress?: (event: Progress) => void;
}

/** Why a call failed. \`kind\` is the card-error case (\`not_found\`, \`invalid_input\`, …) or one of
 * \`timeout\`, \`aborted\`, \`unknown_card\`, \`closed\`, \`trap\`, \`internal\`. */
export declare class CardError extends Error {
  readonly card: string;
  readonly kind: string;
  /** The card-error as JSON (\`{"not_found": {...}}\`), or null for the kinds that are not one. */
  readonly error: CardErrorJson | null;
  toJSON(): { card: string; kind: string; error: CardErrorJson | null; message: string };
}

/** The card list entry of a card, as \`databricks-account describe\` prints it. */
export interface CardDescription {
  id: string;
  label: string;
  category: string;
  description: string;
  changes_state: boolean;
  scopes: string[];
  clouds: string[];
  example_input: unknown;
  /** Set for a polling trigger: pass each run's \`next_cursor\` as the next run's \`cursor\`. */
  trigger: { min_interval_seconds: number } | null;
  /** For a create card: what it does when the object exists already. */
  if_exists: string | null;
  input: unknown;
  output: unknown;
  [key: string]: unknown;
}

export declare const catalog: { cards: CardDescription[]; connection: unknown; error: unknown; clouds: Array<{ cloud: string; account_host: string }> };
export declare const DEFAULT_TIME_LIMIT_MS: number;

export declare class Connector {
  static start(options?: ConnectorOptions): Promise<Connector>;
  readonly cards: CardDescription[];
  card(id: string): CardDescription | undefined;
  run<C extends CardId>(card: C, connection: Connection, input?: CardInput<C>, options?: RunOptions): Promise<CardOutput<C>>;
  close(): Promise<void>;
}

export type CardId = keyof Cards;
export type CardInput<C extends CardId> = Cards[C]['input'];
export type CardOutput<C extends CardId> = Cards[C]['output'];
`;

/** The whole index.d.ts. */
export function declarations(catalog) {
  const cards = catalog.cards.map((card) => {
    const doc = `${card.label}${card.changes_state ? ' (changes state)' : ''}. ${card.description ?? ''}`;
    const input = card.input ? typeOf(card.input, '    ', true) : 'Record<string, never>';
    const output = card.output ? typeOf(card.output, '    ', false) : 'null';
    return `${comment(doc, '  ')}  ${JSON.stringify(card.id)}: {\n    input: ${input};\n    output: ${output};\n  };`;
  });
  return [
    '// Generated by scripts/build.mjs from the component\'s card list. Do not edit.',
    comment(catalog.connection?.description ?? 'A Databricks account connection.', ''),
    `export type Connection = ${typeOf(catalog.connection, '', true)};`,
    '',
    `/** A card's error, as JSON. */`,
    `export type CardErrorJson = ${typeOf(catalog.error, '', false)};`,
    '',
    `/** Every card: its input and its output. */`,
    `export interface Cards {\n${cards.join('\n')}\n}`,
    API,
  ].join('\n');
}
