/** Asks the person at the terminal to confirm something destructive. */
import { createInterface } from 'node:readline/promises';

/**
 * Asks `question` on stderr and reads the answer from stdin; true only for `y` or `yes`.
 * Call it only when stdin and stderr are terminals.
 */
export async function confirm(question: string): Promise<boolean> {
  const readline = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await readline.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    readline.close();
  }
}

/** True when a person can be asked: stdin and stderr are both terminals. */
export function canAsk(): boolean {
  return process.stdin.isTTY === true && process.stderr.isTTY === true;
}
