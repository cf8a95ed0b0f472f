/** The `espeak-ng` npm package (Emscripten build of the eSpeak NG CLI) ships no types. */
declare module 'espeak-ng' {
  interface ESpeakModuleOptions {
    arguments?: string[]
    print?: (text: string) => void
    printErr?: (text: string) => void
    preRun?: ((module: ESpeakModule) => void)[]
    onRuntimeInitialized?: (this: ESpeakModule) => void
    instantiateWasm?: (imports: WebAssembly.Imports, done: (instance: WebAssembly.Instance) => void) => object
  }
  interface ESpeakModule {
    FS: {readFile(path: string, options?: {encoding?: string}): Uint8Array | string}
  }
  export default function ESpeakNg(options?: ESpeakModuleOptions): Promise<ESpeakModule>
}
