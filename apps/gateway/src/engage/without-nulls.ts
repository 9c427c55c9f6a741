/**
 * An object without its `null`-valued keys: the Engage wire leaves an unset field out rather
 * than sending `null` (the vendor's OpenAPI file declares nothing nullable). One level deep:
 * `custom_fields` values, which may be `null` by design, are kept as they are.
 */
export type WithoutNulls<T> = {
  [K in keyof T as null extends T[K] ? never : K]: T[K];
} & {
  [K in keyof T as null extends T[K] ? K : never]?: Exclude<T[K], null>;
};

export function withoutNulls<T extends object>(value: T): WithoutNulls<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null)) as WithoutNulls<T>;
}
