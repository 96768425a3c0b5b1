// A documented subset of JSON Schema (2020-12 keywords) for smoke-test answers, checked by hand so the
// action needs no runtime dependency: type, enum, const, required, properties, additionalProperties
// (boolean or a schema), items (a schema), minItems, maxItems, minimum, maximum, exclusiveMinimum,
// exclusiveMaximum, minLength, maxLength, pattern. Any other keyword is refused when the file is read,
// never ignored ("$schema", "$id", "title", "description" and "$comment" are allowed and ignored).
import { ConfigurationError } from "../formats/errors.ts";

export type Schema = { [keyword: string]: unknown } | boolean;

const CHECKED = new Set([
  "type",
  "enum",
  "const",
  "required",
  "properties",
  "additionalProperties",
  "items",
  "minItems",
  "maxItems",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "minLength",
  "maxLength",
  "pattern",
]);
const ANNOTATIONS = new Set(["$schema", "$id", "title", "description", "$comment", "examples", "default"]);
const TYPES = new Set(["null", "boolean", "object", "array", "number", "integer", "string"]);

/** Throws naming the first unsupported keyword (with its JSON pointer), so no rule is silently skipped. */
export function checkSchemaSubset(schema: unknown, where: string, pointer = "#"): void {
  if (typeof schema === "boolean") return;
  if (schema === null || typeof schema !== "object" || Array.isArray(schema)) {
    throw new ConfigurationError(`${where}: the schema at ${pointer} is not an object or a boolean.`);
  }
  for (const [keyword, value] of Object.entries(schema)) {
    if (ANNOTATIONS.has(keyword)) continue;
    if (!CHECKED.has(keyword)) {
      throw new ConfigurationError(
        `${where}: JSON Schema keyword '${keyword}' at ${pointer} is not supported by deploy's schema checker. Supported: ${[...CHECKED].join(", ")}.`,
      );
    }
    if (keyword === "type") {
      const types = Array.isArray(value) ? value : [value];
      for (const t of types)
        if (!TYPES.has(String(t)))
          throw new ConfigurationError(`${where}: unknown type ${JSON.stringify(t)} at ${pointer}.`);
    }
    if (keyword === "properties") {
      for (const [name, sub] of Object.entries(value as object))
        checkSchemaSubset(sub, where, `${pointer}/properties/${name}`);
    }
    if (keyword === "items" || (keyword === "additionalProperties" && typeof value !== "boolean")) {
      checkSchemaSubset(value, where, `${pointer}/${keyword}`);
    }
  }
}

/** Every violation, as "<instance pointer>: <problem>"; empty when `value` matches. */
export function validate(schema: Schema, value: unknown, pointer = ""): string[] {
  if (schema === true) return [];
  if (schema === false) return [`${pointer || "/"}: no value is allowed here`];
  const at = pointer || "/";
  const problems: string[] = [];
  const s = schema as Record<string, unknown>;
  if (s.type !== undefined) {
    const types = (Array.isArray(s.type) ? s.type : [s.type]) as string[];
    if (!types.some((t) => hasType(value, t)))
      return [`${at}: expected ${types.join(" or ")}, got ${typeOf(value)}`];
  }
  if (Array.isArray(s.enum) && !s.enum.some((e) => deepEqual(e, value)))
    problems.push(`${at}: not one of ${JSON.stringify(s.enum)}`);
  if ("const" in s && !deepEqual(s.const, value)) problems.push(`${at}: expected ${JSON.stringify(s.const)}`);
  if (typeof value === "number") {
    if (typeof s.minimum === "number" && value < s.minimum)
      problems.push(`${at}: below minimum ${s.minimum}`);
    if (typeof s.maximum === "number" && value > s.maximum)
      problems.push(`${at}: above maximum ${s.maximum}`);
    if (typeof s.exclusiveMinimum === "number" && value <= s.exclusiveMinimum)
      problems.push(`${at}: not above ${s.exclusiveMinimum}`);
    if (typeof s.exclusiveMaximum === "number" && value >= s.exclusiveMaximum)
      problems.push(`${at}: not below ${s.exclusiveMaximum}`);
  }
  if (typeof value === "string") {
    const length = Array.from(value).length; // code points, as JSON Schema counts them
    if (typeof s.minLength === "number" && length < s.minLength)
      problems.push(`${at}: shorter than ${s.minLength}`);
    if (typeof s.maxLength === "number" && length > s.maxLength)
      problems.push(`${at}: longer than ${s.maxLength}`);
    if (typeof s.pattern === "string" && !new RegExp(s.pattern, "u").test(value))
      problems.push(`${at}: does not match ${s.pattern}`);
  }
  if (Array.isArray(value)) {
    if (typeof s.minItems === "number" && value.length < s.minItems)
      problems.push(`${at}: fewer than ${s.minItems} items`);
    if (typeof s.maxItems === "number" && value.length > s.maxItems)
      problems.push(`${at}: more than ${s.maxItems} items`);
    if (s.items !== undefined)
      value.forEach((item, i) => problems.push(...validate(s.items as Schema, item, `${pointer}/${i}`)));
  }
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const object = value as Record<string, unknown>;
    for (const name of (s.required as string[] | undefined) ?? []) {
      if (!(name in object)) problems.push(`${at}: missing required property '${name}'`);
    }
    const properties = (s.properties as Record<string, Schema> | undefined) ?? {};
    for (const [name, item] of Object.entries(object)) {
      const child = `${pointer}/${name.replaceAll("~", "~0").replaceAll("/", "~1")}`;
      if (name in properties) problems.push(...validate(properties[name] as Schema, item, child));
      else if (s.additionalProperties !== undefined)
        problems.push(...validate(s.additionalProperties as Schema, item, child));
    }
  }
  return problems;
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case "null":
      return value === null;
    case "array":
      return Array.isArray(value);
    case "object":
      return value !== null && typeof value === "object" && !Array.isArray(value);
    case "integer":
      return typeof value === "number" && Number.isInteger(value);
    default:
      return typeof value === type;
  }
}

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return (
    ka.length === kb.length &&
    ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
}
