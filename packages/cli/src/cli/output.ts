/**
 * What a command prints. Human output goes to stdout; with --json, stdout carries exactly one JSON document
 * (the result, or `{ "error": … }`) and progress lines go to stderr, so `mosaic … --json | jq` always parses.
 */
import ora, { type Ora } from 'ora';

/** JSON with bigints as decimal strings and byte arrays as 0x hex. */
export function toJson(value: unknown, indent?: number): string {
  return JSON.stringify(
    value,
    (_key, v) => {
      if (typeof v === 'bigint') return v.toString();
      if (v instanceof Uint8Array) return `0x${Buffer.from(v).toString('hex')}`;
      return v;
    },
    indent,
  );
}

export class Output {
  private spinner: Ora | undefined;
  /** Progress goes here: stderr with --json (stdout is for the document), else stdout. */
  private readonly progressStream: NodeJS.WriteStream;

  constructor(readonly json: boolean) {
    this.progressStream = json ? process.stderr : process.stdout;
  }

  /** A spinner on a terminal, plain lines otherwise (pipes, CI, a pseudo-terminal without a size). */
  private get fancy(): boolean {
    return Boolean(this.progressStream.isTTY) && (this.progressStream.columns ?? 0) > 0;
  }

  progress(text: string): void {
    if (this.fancy) {
      if (this.spinner) this.spinner.text = text;
      else this.spinner = ora({ text, stream: this.progressStream }).start();
      return;
    }
    this.progressStream.write(`… ${text}\n`);
  }

  done(text?: string): void {
    if (this.spinner) {
      if (text) this.spinner.succeed(text);
      else this.spinner.stop();
      this.spinner = undefined;
    } else if (text) this.progressStream.write(`✔ ${text}\n`);
  }

  fail(): void {
    this.spinner?.stop();
    this.spinner = undefined;
  }

  /** The command's result: the JSON document, or the human lines. */
  result(value: unknown, human: string | string[]): void {
    this.done();
    if (this.json) process.stdout.write(`${toJson(value)}\n`);
    else process.stdout.write(`${Array.isArray(human) ? human.join('\n') : human}\n`);
  }

  note(text: string): void {
    this.done();
    this.progressStream.write(`${text}\n`);
  }
}
