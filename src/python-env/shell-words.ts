// Splits the `extra-args` input into arguments the way a POSIX shell would for plain words and quotes,
// without running a shell: no variables, globs or command substitution reach the install command.
import { InputError } from "../formats/errors.ts";

export function shellWords(text: string, input = "extra-args"): string[] {
  const words: string[] = [];
  let current = "";
  let started = false;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charAt(i);
    if (quote === "'") {
      if (ch === "'") quote = undefined;
      else current += ch;
    } else if (quote === '"') {
      if (ch === '"') quote = undefined;
      else if (ch === "\\" && i + 1 < text.length && '"\\$`'.includes(text.charAt(i + 1)))
        current += text.charAt(++i);
      else current += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      started = true;
    } else if (ch === "\\" && i + 1 < text.length) {
      current += text.charAt(++i);
      started = true;
    } else if (/\s/.test(ch)) {
      if (started) words.push(current);
      current = "";
      started = false;
    } else {
      current += ch;
      started = true;
    }
  }
  if (quote !== undefined) {
    throw new InputError(input, text, `has an unclosed ${quote} quote`, "Close the quote or remove it.");
  }
  if (started) words.push(current);
  return words;
}
