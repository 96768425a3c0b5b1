// Typed input parsing. Pure over a reader function so it is testable without the runner's environment;
// src/lib/action.ts supplies the reader backed by @actions/core.
import { InputError } from "../formats/errors.ts";

/** Returns the raw input value as the runner passed it ("" when unset). */
export type InputReader = (name: string) => string;

export class Inputs {
  private readonly read: InputReader;
  constructor(read: InputReader) {
    this.read = read;
  }

  /** Trimmed value, or undefined when empty. */
  optional(name: string): string | undefined {
    const value = this.read(name).trim();
    return value === "" ? undefined : value;
  }

  required(name: string, fix = `Set '${name}' under 'with:' in the step.`): string {
    const value = this.optional(name);
    if (value === undefined) throw new InputError(name, "", "is required but empty", fix);
    return value;
  }

  string(name: string, fallback: string): string {
    return this.optional(name) ?? fallback;
  }

  boolean(name: string, fallback: boolean): boolean {
    const value = this.optional(name);
    if (value === undefined) return fallback;
    if (/^(true|yes|on|1)$/i.test(value)) return true;
    if (/^(false|no|off|0)$/i.test(value)) return false;
    throw new InputError(name, value, "is not a boolean", "Use 'true' or 'false'.");
  }

  number(name: string, options: { min?: number; max?: number; integer?: boolean } = {}): number | undefined {
    const value = this.optional(name);
    if (value === undefined) return undefined;
    const parsed = Number(value);
    const kind = options.integer ? "a whole number" : "a number";
    if (!Number.isFinite(parsed) || (options.integer && !Number.isInteger(parsed))) {
      throw new InputError(name, value, `is not ${kind}`, `Give ${kind}${range(options)}.`);
    }
    if (
      (options.min !== undefined && parsed < options.min) ||
      (options.max !== undefined && parsed > options.max)
    ) {
      throw new InputError(name, value, "is out of range", `Give ${kind}${range(options)}.`);
    }
    return parsed;
  }

  choice<const T extends string>(name: string, choices: readonly T[], fallback: T): T {
    const value = this.optional(name);
    if (value === undefined) return fallback;
    const match = choices.find((c) => c === value.toLowerCase());
    if (match === undefined) {
      throw new InputError(
        name,
        value,
        "is not one of the accepted values",
        `Use one of: ${choices.join(", ")}.`,
      );
    }
    return match;
  }

  /** Newline-separated list; blank lines and lines starting with '#' are dropped. */
  lines(name: string): string[] {
    return this.read(name)
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line !== "" && !line.startsWith("#"));
  }
}

function range(options: { min?: number; max?: number }): string {
  if (options.min !== undefined && options.max !== undefined) return ` from ${options.min} to ${options.max}`;
  if (options.min !== undefined) return ` of at least ${options.min}`;
  if (options.max !== undefined) return ` of at most ${options.max}`;
  return "";
}
