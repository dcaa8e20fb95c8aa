/**
 * `true` when each of A and B is assignable to the other. Pins a handwritten interface (needed
 * for JSR: its public API has explicit types) to the zod schema that validates it, so neither
 * drifts: `const pinned: Same<z.output<typeof Schema>, Interface> = true;`.
 */
export type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
