/** swc's transpilation of one TypeScript file to CommonJS, as the suite's loader does it. */
export function transpile(source: string, filename: string, inlineSourceMap: boolean): string;
