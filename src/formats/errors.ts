// Errors the user can fix. Pure: domain modules throw these without importing @actions/*.
// The action wrapper turns them into one annotation (on a file and line when known) and exit code 1,
// without a stack trace; anything else is a bug in this toolkit and is reported with its stack.
// Written in erasable TypeScript (no parameter properties) so Node can run the sources for bench/.

export interface SourceLocation {
  file: string;
  line?: number;
  column?: number;
}

export class ConfigurationError extends Error {
  override readonly name: string = "ConfigurationError";
  readonly location: SourceLocation | undefined;
  constructor(message: string, location?: SourceLocation) {
    super(message);
    this.location = location;
  }
}

/** An input (`with:` value) that cannot be used. The message names the input, the value and the fix. */
export class InputError extends ConfigurationError {
  override readonly name = "InputError";
  readonly input: string;
  readonly value: string;
  constructor(input: string, value: string, problem: string, fix: string) {
    super(`Input '${input}' ${problem} (got ${quote(value)}). ${fix}`);
    this.input = input;
    this.value = value;
  }
}

/** A feature this toolkit does not offer yet; never pretend to work. */
export class NotImplementedError extends ConfigurationError {
  override readonly name = "NotImplementedError";
}

/** Quote a user value for a message: JSON string syntax, cut to a readable length. */
export function quote(value: string, max = 200): string {
  const cut = value.length > max ? `${value.slice(0, max)}…` : value;
  return JSON.stringify(cut);
}
