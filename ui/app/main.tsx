/** The dashboard page: mounts the app. Bundled by ui/build.ts into ui/dist/app.js. */
import { render } from 'preact';
import { App } from './components/App.tsx';

render(<App />, document.getElementById('app')!);
