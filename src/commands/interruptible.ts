/**
 * For commands with nothing to undo (analyze): a signal ends the wait at once, whatever the work is
 * blocked on (a FIFO with no writer, a stalled pipe), and nothing partial is printed.
 */
import { CliError, ExitCode } from '../exit-codes.js';

export function unlessInterrupted<T>(work: Promise<T>, signal: AbortSignal | undefined, what: string): Promise<T> {
  if (signal === undefined) return work;
  const interrupted = () => new CliError(`interrupted: ${what}`, ExitCode.interrupted);
  if (signal.aborted) return Promise.reject(interrupted());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(interrupted());
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
