// Workflow commands (`::name key=value,…::data`) on a step's stdout/stderr, processed line by line like the
// runner's ActionCommandManager, and the runner's secret masker.

export type AnnotationLevel = "error" | "warning" | "notice" | "debug";

export interface Annotation {
  level: AnnotationLevel;
  message: string;
  file?: string;
  line?: number;
  endLine?: number;
  col?: number;
  endColumn?: number;
  title?: string;
}

export interface Group {
  title: string;
  lines: string[];
}

export interface ParsedCommand {
  command: string;
  properties: Record<string, string>;
  data: string;
}

/** The commands the runner knows; any other `::word::` line is plain output. */
const knownCommands = new Set([
  "set-env",
  "add-path",
  "set-output",
  "save-state",
  "add-mask",
  "add-matcher",
  "remove-matcher",
  "debug",
  "warning",
  "error",
  "notice",
  "group",
  "endgroup",
  "echo",
  "stop-commands",
]);

const deprecatedCommandUrl =
  "https://github.blog/changelog/2022-10-11-github-actions-deprecating-save-state-and-set-output-commands/";

/** Parse one line as a workflow command (ActionCommand.TryParseV2); undefined when it is plain output. */
export function parseCommand(
  line: string,
  extraCommands: ReadonlySet<string> = new Set(),
): ParsedCommand | undefined {
  const message = line.trimStart();
  if (!message.startsWith("::")) return undefined;
  const end = message.indexOf("::", 2);
  if (end < 0) return undefined;
  const info = message.slice(2, end);
  const space = info.indexOf(" ");
  const command = (space < 0 ? info : info.slice(0, space)).toLowerCase();
  if (!knownCommands.has(command) && !extraCommands.has(command)) return undefined;
  const properties: Record<string, string> = {};
  if (space > 0) {
    for (const property of info
      .slice(space + 1)
      .trim()
      .split(",")) {
      if (property === "") continue;
      const equals = property.indexOf("=");
      // The runner drops a property without '=' or with an empty name or value.
      if (equals <= 0 || equals === property.length - 1) continue;
      properties[property.slice(0, equals)] = unescapeProperty(property.slice(equals + 1));
    }
  }
  return { command, properties, data: unescapeData(message.slice(end + 2)) };
}

function unescapeData(value: string): string {
  return value.replaceAll("%0D", "\r").replaceAll("%0A", "\n").replaceAll("%25", "%");
}

function unescapeProperty(value: string): string {
  return value
    .replaceAll("%0D", "\r")
    .replaceAll("%0A", "\n")
    .replaceAll("%3A", ":")
    .replaceAll("%2C", ",")
    .replaceAll("%25", "%");
}

/**
 * The runner's secret masker: every registered value (and its JSON- and URL-escaped forms) becomes `***`
 * in what is logged from then on.
 */
export class SecretMasker {
  readonly values: string[] = [];
  private forms: string[] = [];

  add(value: string): void {
    if (value.trim() === "" || this.values.includes(value)) return;
    this.values.push(value);
    const forms = new Set([value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value)]);
    // A multi-line secret is also masked line by line, as logs arrive one line at a time.
    for (const line of value.split(/\r?\n/)) if (line.trim() !== "") forms.add(line);
    this.forms = [...new Set([...this.forms, ...forms])].sort((a, b) => b.length - a.length);
  }

  mask(text: string): string {
    let masked = text;
    for (const form of this.forms) masked = masked.replaceAll(form, "***");
    return masked;
  }
}

export interface CommandEffects {
  annotations: Annotation[];
  groups: Group[];
  /** Outputs from the deprecated `::set-output name=…::` command. */
  outputs: Record<string, string>;
  /** State from the deprecated `::save-state name=…::` command. */
  state: Record<string, string>;
  /** Problems the runner reports as errors that fail the step (e.g. a `::set-output` without a name). */
  failed: boolean;
}

/** Applies the commands of one step's output, line by line, in the order the runner sees them. */
export class CommandProcessor {
  readonly effects: CommandEffects = { annotations: [], groups: [], outputs: {}, state: {}, failed: false };
  private readonly masker: SecretMasker;
  private readonly workspace: string;
  private stopToken: string | undefined;
  private openGroup: Group | undefined;

  constructor(masker: SecretMasker, workspace: string) {
    this.masker = masker;
    this.workspace = workspace;
  }

  /** Process one line; returns the line as the log shows it (masked; add-mask lines hide their value). */
  processLine(line: string): string {
    const command = parseCommand(line, this.stopToken === undefined ? undefined : new Set([this.stopToken]));
    if (command === undefined) return this.log(line);
    if (this.stopToken !== undefined) {
      if (command.command === this.stopToken) this.stopToken = undefined;
      return this.log(line);
    }
    switch (command.command) {
      case "stop-commands":
        this.stopToken = command.data.toLowerCase();
        return this.log(line);
      case "add-mask":
        if (command.data.trim() === "") {
          this.annotate("warning", "Can't add secret mask for empty string in ##[add-mask] command.");
        } else {
          this.masker.add(command.data);
        }
        return "::add-mask::***";
      case "error":
      case "warning":
      case "notice":
      case "debug":
        this.annotations(command.command, command);
        return this.log(line);
      case "group":
        this.openGroup = { title: this.masker.mask(command.data), lines: [] };
        this.effects.groups.push(this.openGroup);
        return this.masker.mask(line);
      case "endgroup":
        this.openGroup = undefined;
        return this.masker.mask(line);
      case "set-output":
      case "save-state": {
        const name = command.properties.name;
        if (name === undefined || name === "") {
          this.annotate("error", `Unable to process command '${this.masker.mask(line)}' successfully.`);
          this.annotate("error", `Required field 'name' is missing in ##[${command.command}] command.`);
          this.effects.failed = true;
        } else {
          (command.command === "set-output" ? this.effects.outputs : this.effects.state)[name] = command.data;
          this.annotate(
            "warning",
            `The \`${command.command}\` command is deprecated and will be disabled soon. Please upgrade to using Environment Files. For more information see: ${deprecatedCommandUrl}`,
          );
        }
        return this.log(line);
      }
      case "set-env":
      case "add-path":
        this.annotate("error", `Unable to process command '${this.masker.mask(line)}' successfully.`);
        this.annotate(
          "error",
          `The \`${command.command}\` command is disabled. Please upgrade to using Environment Files or opt into unsecure command execution by setting the \`ACTIONS_ALLOW_UNSECURE_COMMANDS\` environment variable to \`true\`. For more information see: https://github.blog/changelog/2020-10-01-github-actions-deprecating-set-env-and-add-path-commands/`,
        );
        this.effects.failed = true;
        return this.log(line);
      default:
        // echo, add-matcher, remove-matcher: accepted; they change nothing the rig reports.
        return this.log(line);
    }
  }

  private log(line: string): string {
    const masked = this.masker.mask(line);
    this.openGroup?.lines.push(masked);
    return masked;
  }

  private annotate(level: AnnotationLevel, message: string): void {
    this.effects.annotations.push({ level, message: this.masker.mask(message) });
  }

  private annotations(level: AnnotationLevel, command: ParsedCommand): void {
    const property = (name: string): string | undefined => {
      const key = Object.keys(command.properties).find((k) => k.toLowerCase() === name.toLowerCase());
      return key === undefined ? undefined : command.properties[key];
    };
    const integer = (name: string): number | undefined => {
      const text = property(name);
      return text !== undefined && /^-?\d+$/.test(text.trim()) ? Number(text) : undefined;
    };
    const annotation: Annotation = { level, message: this.masker.mask(command.data) };
    const file = property("file");
    if (file !== undefined) annotation.file = relativeToWorkspace(file, this.workspace);
    const numbers = {
      line: integer("line"),
      endLine: integer("endLine"),
      col: integer("col"),
      endColumn: integer("endColumn"),
    };
    for (const [key, value] of Object.entries(numbers)) {
      if (value !== undefined) annotation[key as keyof typeof numbers] = value;
    }
    const title = property("title");
    if (title !== undefined) annotation.title = this.masker.mask(title);
    this.effects.annotations.push(annotation);
  }
}

/** The runner rewrites an annotation's file inside the workspace to a repository-relative path with '/'. */
function relativeToWorkspace(file: string, workspace: string): string {
  const root = workspace.endsWith("/") ? workspace : `${workspace}/`;
  return file.startsWith(root) ? file.slice(root.length) : file;
}
