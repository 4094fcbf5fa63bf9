// Nest colours its log lines unless NO_COLOR is set, also when they go to a file or a log collector,
// where the escape codes are noise (`\x1b[32m LOG \x1b[39m`). Colours are for a person at a terminal.

/** Sets NO_COLOR when `stream` is not a terminal, unless the user asked for colours (FORCE_COLOR). */
export function colorsOnlyOnTerminals(stream: { isTTY?: boolean } = process.stdout, env: NodeJS.ProcessEnv = process.env): void {
  if (!stream.isTTY && env.FORCE_COLOR === undefined && env.NO_COLOR === undefined) env.NO_COLOR = '1';
}
