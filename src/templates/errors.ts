// Template errors that name the file and line they come from, even across
// layouts (nunjucks alone reports the wrong block's line, and never names a
// parent layout).
import nunjucks from 'nunjucks';

export interface TemplateProblem {
  /** The template the error is in, as nunjucks knows it (a full path for files). */
  file: string | null;
  /** From 1; null when nunjucks does not know. */
  line: number | null;
  column: number | null;
  message: string;
}

/** File, line and message of a nunjucks error, or null for any other error. */
export function describeTemplateError(err: unknown): TemplateProblem | null {
  if (!(err instanceof nunjucks.lib.TemplateError)) return null;
  // A missing include arrives as an error wrapped in another.
  const inner = describeTemplateError(err.cause);
  if (inner) return inner;
  // nunjucks prefixes the message with "(file) [Line n, Column m]" for the
  // innermost template, and "(file)" for each one around it.
  const lines = err.message.split('\n');
  let file: string | null = null;
  let located = false;
  let rest = 0;
  for (; rest < lines.length; rest++) {
    const m = /^\s*\((.*)\)( \[Line \d+(?:, Column \d+)?\])?$/.exec(lines[rest]!);
    if (!m) break;
    if (!located) file = m[1] || null;
    located ||= Boolean(m[2]);
  }
  const message = plainWords(err.cause?.message ?? lines.slice(rest).join('\n').trim());
  // Parse errors count lines from 1; errors while rendering count from 0 and
  // have a cause. 0:0 while rendering means "somewhere in the template".
  const { lineno, colno } = err;
  if (err.cause) {
    const known = typeof lineno === 'number' && (lineno > 0 || colno > 0);
    return { file, line: known ? lineno + 1 : null, column: known ? colno + 1 : null, message };
  }
  return { file, line: lineno || null, column: colno || null, message };
}

// nunjucks records the line of a function call before making it, but not of
// a filter: an unknown filter (looked up when the output runs) said "line
// unknown". Each filter now records its line the same way.
type FilterCompiler = { _emit(code: string): void; compileFilter(node: { lineno: number; colno: number }, frame: unknown): void };
const compilerPrototype = (nunjucks as unknown as { compiler: { Compiler: { prototype: FilterCompiler } } }).compiler.Compiler.prototype;
const compileFilter = compilerPrototype.compileFilter;
compilerPrototype.compileFilter = function (this: FilterCompiler, node, frame) {
  this._emit(`(lineno = ${node.lineno}, colno = ${node.colno}, `);
  compileFilter.call(this, node, frame);
  this._emit(')');
};

/** nunjucks' message, with what to do about it where that is not obvious. */
function plainWords(message: string): string {
  const unknownTag = /^unknown block tag: (\S+)$/.exec(message);
  if (unknownTag) {
    return (
      `unknown tag {% ${unknownTag[1]} %}: nunjucks has no such tag. ` +
      'To show template syntax as written, put it in {% raw %}…{% endraw %} (or, in a Markdown page, in `code` or a ``` code block).'
    );
  }
  const unknownFilter = /^filter not found: (\S+)$/.exec(message);
  if (unknownFilter) return `unknown filter | ${unknownFilter[1]}: nunjucks has no such filter (see its built-in filters, plus capfirst and slugify)`;
  return message;
}

// --- Where an error is ---------------------------------------------------
//
// nunjucks compiles a template to callback-passing code: after a block or an
// include, the rest of the template runs inside the callback that block
// calls, within the block's try/catch. An error in a layout's footer is
// then caught by the page's content block and reported with that block's
// line. And nunjucks names only templates it renders itself, never a parent
// layout. So every root and block function of our templates gets a guarded
// callback: an error thrown by the code after the function is carried back
// out to its caller's own try/catch (where its line is known), and an error
// the function reports is marked with the function's template.

type Callback = (err: unknown, result?: unknown) => void;
type RenderFunction = (env: unknown, context: RenderContext, frame: unknown, runtime: unknown, cb: Callback) => void;

interface RenderContext {
  blocks: Record<string, RenderFunction[]>;
  getBlock(name: string): RenderFunction;
  getSuper(env: unknown, name: string, block: RenderFunction, frame: unknown, runtime: unknown, cb: Callback): void;
}

export interface CompiledTemplate {
  path: string;
  compiled?: boolean;
  rootRenderFunc: RenderFunction;
  blocks: Record<string, RenderFunction>;
}

interface UnplacedError {
  firstUpdate?: boolean;
  Update(path: string): void;
}

/** An error thrown after a function finished, on its way back to the caller. */
class AfterReturn extends Error {
  // nunjucks' handleError passes on errors that have a line as they are.
  readonly lineno = -1;
  readonly thrown: unknown;
  constructor(thrown: unknown) {
    super(thrown instanceof Error ? thrown.message : String(thrown));
    this.thrown = thrown;
  }
}

const guarded = new WeakSet<object>();
const blockFiles = new WeakMap<RenderFunction, string>();

function guard(file: string | undefined, cb: Callback): Callback {
  return (err, result) => {
    if (err instanceof AfterReturn) throw err.thrown;
    if (err) {
      const e = err as Partial<UnplacedError>;
      if (file && e.firstUpdate && typeof e.Update === 'function') e.Update(file);
      return cb(err);
    }
    try {
      cb(null, result);
    } catch (thrown) {
      throw new AfterReturn(thrown);
    }
  };
}

function guardBlocksOf(context: RenderContext): void {
  if (guarded.has(context)) return;
  guarded.add(context);
  const getBlock = context.getBlock;
  context.getBlock = (name) => {
    const block = getBlock.call(context, name);
    return (env, ctx, frame, runtime, cb) => block(env, ctx, frame, runtime, guard(blockFiles.get(block), cb));
  };
  const getSuper = context.getSuper;
  context.getSuper = (env, name, block, frame, runtime, cb) => {
    const chain = context.blocks[name] ?? [];
    const parent = chain[chain.indexOf(block) + 1];
    getSuper.call(context, env, name, block, frame, runtime, guard(parent && blockFiles.get(parent), cb));
  };
}

export function guardTemplate(template: CompiledTemplate): void {
  if (!template.compiled || guarded.has(template)) return;
  guarded.add(template);
  for (const block of Object.values(template.blocks)) blockFiles.set(block, template.path);
  const root = template.rootRenderFunc;
  template.rootRenderFunc = (env, context, frame, runtime, cb) => {
    guardBlocksOf(context);
    root(env, context, frame, runtime, guard(template.path, cb));
  };
}

/** Every template the environment hands out is compiled at once (so its blocks are known) and guarded. */
export function guardTemplates(env: nunjucks.Environment): void {
  type GetTemplate = (name: unknown, eagerCompile: boolean, parentName: unknown, ignoreMissing: unknown, cb?: Callback) => unknown;
  const getTemplate = env.getTemplate.bind(env) as unknown as GetTemplate;
  (env as unknown as { getTemplate: (...args: unknown[]) => unknown }).getTemplate = (...args) => {
    // nunjucks calls it as (name, [eagerCompile], [parentName], [ignoreMissing], [cb]).
    const cb = typeof args.at(-1) === 'function' ? (args.pop() as Callback) : undefined;
    const [name, , parentName = null, ignoreMissing = false] = args;
    if (!cb) {
      const template = getTemplate(name, true, parentName, ignoreMissing) as CompiledTemplate;
      guardTemplate(template);
      return template;
    }
    return getTemplate(name, true, parentName, ignoreMissing, (err, template) => {
      if (template) guardTemplate(template as CompiledTemplate);
      cb(err, template);
    });
  };
}
