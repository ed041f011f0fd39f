/**
 * `{ ...base, ...fields }`, for objects the engine builds in every evaluation.
 *
 * On Node 20 (V8 11.3) an object made by spreading another and then given more properties in
 * the same literal (`{ ...base, key }`, `{ ...base, ...more }`, or `{ ...base }` with properties
 * set after) outlives young-generation collections it should not: each one, with everything it
 * reaches, was copied at every scavenge until the next full collection. A flow of one label
 * action promoted 1.6 MiB per scavenge through its effects alone, with pauses of 2–4 ms; built
 * here, nothing, and 0.2 ms (issue 12, the engine's p99; docs/performance.md, "The engine").
 * Object.assign onto a new object gives the same own properties in the same order, without that.
 */
export function extend<T extends object, U extends object>(base: T, fields: U): T & U {
  // A source parsed from JSON may hold an own `__proto__`, which Object.assign would make the
  // prototype instead of copying it: copied as a spread copies it.
  if (Object.hasOwn(base, '__proto__') || Object.hasOwn(fields, '__proto__')) return { ...base, ...fields };
  return Object.assign({}, base, fields);
}
