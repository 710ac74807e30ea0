/**
 * An SSH exec request carries ONE command string, which sshd hands to the user's shell
 * (`$SHELL -c "<string>"`). The only safe way to pass an argv through that is to quote every
 * argument for a POSIX shell; never concatenate unquoted input into a command.
 */

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** One argument, single-quoted when it is not plainly safe ('' for the empty string). */
export function shellQuote(arg: string): string {
  if (arg.includes('\0')) throw new Error('A command argument cannot contain a NUL byte.');
  if (SAFE.test(arg)) return arg;
  // Inside single quotes nothing is special except the quote itself: close, add \', reopen.
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * The command string for an argv: `exec` so the program replaces the shell (signals and exit
 * status reach it directly), after an optional `cd`. argv[0] must therefore be a program, not a
 * shell builtin; to run shell code pass `['bash', '-lc', script]`.
 */
export function shellCommand(argv: readonly string[], options: { cwd?: string } = {}): string {
  if (argv.length === 0 || argv[0] === '') throw new Error('An empty command cannot be run.');
  // `exec -x` would be read as an option of exec itself (and `exec --` is not portable).
  if (argv[0]!.startsWith('-')) throw new Error(`Not a program name: "${argv[0]}".`);
  const command = `exec ${argv.map(shellQuote).join(' ')}`;
  return options.cwd === undefined ? command : `cd -- ${shellQuote(options.cwd)} && ${command}`;
}
