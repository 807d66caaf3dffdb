// The Scrum board's single-page client (chapters 5–8). The page embeds its
// configuration as JSON, as the book does; everything else is discovered
// from the API root and the `links` of what it returns.
import './board.css';
import Backbone from 'backbone';
import { installBackboneAjax, useAuth } from './api.ts';
import type { App } from './app.ts';
import { pageConfig } from './config.ts';
import { discover, type ApiRoot } from './models.ts';
import { Outbox } from './outbox.ts';
import { BoardRouter } from './router.ts';
import { Session } from './session.ts';
import { askConflict } from './views/conflict.ts';
import { HeaderView } from './views/header.ts';

interface Config {
  apiRoot: string;
  apiLogin: string;
}

function readConfig(): Config {
  const config = pageConfig();
  if (!config.apiRoot || !config.apiLogin) throw new Error('The page has no board configuration (apiRoot, apiLogin).');
  return { apiRoot: config.apiRoot, apiLogin: config.apiLogin };
}

const config = readConfig();
installBackboneAjax();
const session = new Session(config.apiLogin);
useAuth({ token: () => session.currentToken(), rejected: () => session.drop() });

let root: Promise<ApiRoot> | null = null;
const app: App = {
  session,
  outbox: new Outbox(askConflict),
  root() {
    root ??= discover(config.apiRoot).catch((error: unknown) => {
      root = null; // ask again next time
      throw error;
    });
    return root;
  },
  navigate: (fragment, options = {}) => void Backbone.history.navigate(fragment, { trigger: true, ...options }),
};

new HeaderView(app, document.getElementById('header')!);
new BoardRouter(app, document.getElementById('content')!);
Backbone.history.start();
