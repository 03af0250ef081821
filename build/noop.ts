// The benchmark's baseline: a compiled Bun program that does nothing but print.
console.log("");
