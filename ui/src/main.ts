import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';
import { theme } from './lib/theme.svelte';

const target = document.getElementById('app');
if (!target) throw new Error('#app missing from index.html');

// Before the first paint: the page and the charts in the theme the user (or the system) chose.
theme.start();

export default mount(App, { target });
