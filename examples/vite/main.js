// The package as a Vite site imports it: by name, from node_modules. The weights and the runtime
// are the site's own files (public/models/, public/ort/ here), so they are configured once.
import * as jingjie from '@jingjie/engine';

jingjie.configure({
  modelBaseUrl: new URL('models/', document.baseURI),
  runtimeBaseUrl: new URL('ort/', document.baseURI),
});
window.jingjie = jingjie; // for the test and the console
const status = document.getElementById('status');
status.dataset.state = 'ready';
status.textContent = 'Ready: try jingjie.removeBackground(file) in the console.';
