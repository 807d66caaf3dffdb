// The one nunjucks environment over templates/ (layouts and the service pages
// of every part), with the helpers templates share (./helpers.ts), and
// template errors that name the file and line they come from (./errors.ts).
import nunjucks from 'nunjucks';
import type { Settings } from '../settings.ts';
import { guardTemplate, guardTemplates, type CompiledTemplate } from './errors.ts';
import { registerHelpers, type HelperOptions } from './helpers.ts';

export { describeTemplateError, type TemplateProblem } from './errors.ts';

export type TemplateSettings = Pick<Settings, 'templatesDir' | 'debug' | 'dev'>;

export function createTemplateEnvironment(settings: TemplateSettings, options: HelperOptions = {}): nunjucks.Environment {
  const loader = new nunjucks.FileSystemLoader([settings.templatesDir], {
    // Production compiles each template once; debug/dev sees edits at once.
    noCache: settings.debug || settings.dev,
  });
  // `dev` keeps nunjucks' error objects (line, column, cause) instead of
  // flattening them into text; it changes nothing else.
  const env = new nunjucks.Environment(loader, { autoescape: true, throwOnUndefined: false, dev: true });
  registerHelpers(env, options);
  guardTemplates(env);
  return env;
}

/** Compile a template held in memory (a page), so its errors name `file`. */
export function compileTemplate(env: nunjucks.Environment, source: string, file: string): nunjucks.Template {
  const template = new nunjucks.Template(source, env, file, true);
  guardTemplate(template as unknown as CompiledTemplate);
  return template;
}
