/**
 * What can stop the work, said in the work's own terms. The layers below the commands throw these;
 * `asCliError` in src/commands/shared.ts alone turns each kind into an exit code. A hint says what
 * the admin can do about it.
 */
abstract class BindscoutError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The options or arguments ask for something that cannot be done. */
export class ArgumentError extends BindscoutError {}

/** An input cannot be used: missing, unreadable, or not what it should be. */
export class InputError extends BindscoutError {}

/** Not allowed: not root, or a file the user may not read. */
export class PermissionDenied extends BindscoutError {}

/** Something the work needs is not on this machine: systemd, strace. */
export class MissingPrerequisite extends BindscoutError {}

/** The work cannot reach its answer: the unit fails on its own, another run holds it. */
export class CannotProceed extends BindscoutError {}

/** Stopped by a signal, after cleaning up. */
export class InterruptedError extends BindscoutError {}
