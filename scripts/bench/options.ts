// The benchmarks' command lines: parsed strictly, and any mistake ends the run with the message
// and the usage line (exit code 2), before anything is built or served.
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';

export function benchOptions<T extends ParseArgsOptionsConfig>(options: T, usage: string) {
  const fail = (message: string): never => {
    console.error(`${message}\n${usage}`);
    process.exit(2);
  };
  let parsed;
  try {
    parsed = parseArgs({ options, allowNegative: true });
  } catch (error) {
    return fail((error as Error).message);
  }
  /** A whole number of at least `min` from option `name`, or the run ends saying so. */
  const whole = (name: string, value: string | undefined, min: number): number => {
    const number = Number(value);
    if (!Number.isInteger(number) || number < min) fail(`--${name} must be a whole number of at least ${min}.`);
    return number;
  };
  return { values: parsed.values, fail, whole };
}
