// Ids in the providers' style, for every kind of object the test provider makes.
import { randomInt } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A random id in the providers' style: `cus_` + 14 characters. */
export function newId(prefix: string, length = 14): string {
  let id = '';
  for (let index = 0; index < length; index += 1) id += BASE62[randomInt(BASE62.length)];
  return `${prefix}${id}`;
}
