/**
 * True if `object` has an enumerable key (kwargs to pass on, metadata to encode), found without
 * building the array of keys that `Object.keys(object).length` would: both run once per task.
 */
export function hasKeys(object: object): boolean {
  for (const _ in object) return true;
  return false;
}
