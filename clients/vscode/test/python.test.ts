import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import {
    checkServerImport,
    expandPath,
    findInterpreter,
    findOnPath,
    pipInstallCommand,
    type InterpreterLookup,
} from '../src/common/python';

function lookup(
    configured: string,
    extension: string | undefined | Error,
    onPath: string | undefined,
): InterpreterLookup & { asked: string[] } {
    const asked: string[] = [];
    return {
        asked,
        configuredPath: () => (asked.push('setting'), configured),
        pythonExtensionPath: () => {
            asked.push('python-extension');
            return extension instanceof Error ? Promise.reject(extension) : Promise.resolve(extension);
        },
        findOnPath: (name) => (asked.push(`path:${name}`), Promise.resolve(onPath)),
    };
}

describe('interpreter selection', () => {
    it('takes the setting first and asks nothing else', async () => {
        const l = lookup('/venv/bin/python', '/ext/python', '/usr/bin/python3');
        assert.deepEqual(await findInterpreter(l), { path: '/venv/bin/python', source: 'setting' });
        assert.deepEqual(l.asked, ['setting']);
    });

    it("then the Python extension's active interpreter", async () => {
        const l = lookup('', '/ext/python', '/usr/bin/python3');
        assert.deepEqual(await findInterpreter(l), { path: '/ext/python', source: 'python-extension' });
        assert.deepEqual(l.asked, ['setting', 'python-extension']);
    });

    it('then python3 on PATH, also when the Python extension fails', async () => {
        assert.deepEqual(await findInterpreter(lookup('', undefined, '/usr/bin/python3')), {
            path: '/usr/bin/python3',
            source: 'path',
        });
        const l = lookup('', new Error('extension crashed'), '/usr/bin/python3');
        assert.deepEqual(await findInterpreter(l), { path: '/usr/bin/python3', source: 'path' });
        assert.deepEqual(l.asked, ['setting', 'python-extension', 'path:python3']);
    });

    it('finds nothing when nothing is there', async () => {
        assert.equal(await findInterpreter(lookup('', undefined, undefined)), undefined);
    });

    it('expands ~ and ${workspaceFolder} in the setting', () => {
        assert.equal(expandPath('~/venv/bin/python', undefined, '/home/u'), '/home/u/venv/bin/python');
        assert.equal(expandPath('${workspaceFolder}/.venv/bin/python', '/w'), '/w/.venv/bin/python');
        assert.equal(expandPath(' /usr/bin/python3 ', '/w'), '/usr/bin/python3');
    });

    it('searches PATH in order', async () => {
        const present = new Set(['/b/python3', '/c/python3']);
        const isFile = (file: string) => Promise.resolve(present.has(file));
        const found = await findOnPath('python3', ['/a', '', '/b', '/c'].join(path.delimiter), isFile);
        assert.equal(found, '/b/python3');
        assert.equal(await findOnPath('python3', '/a', () => Promise.resolve(false)), undefined);
    });

    it('gives a pip command for that exact interpreter and checkout, quoted when needed', () => {
        assert.equal(pipInstallCommand('/venv/bin/python', '/src/scion'), '/venv/bin/python -m pip install -e /src/scion');
        assert.equal(
            pipInstallCommand('/my venv/bin/python', '/my src/scion'),
            '"/my venv/bin/python" -m pip install -e "/my src/scion"',
        );
        assert.equal(pipInstallCommand('python3', undefined), 'python3 -m pip install -e <path of your Scion checkout>');
    });

    it('checks that the server imports, and says why not', async () => {
        const python = (await findOnPath('python3')) ?? assert.fail('python3 is needed for this test');
        const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'scion-import-'));
        try {
            // An interpreter that cannot see any installed `server` (isolated mode, no site-packages).
            const isolated = path.join(scratch, 'isolated-python');
            fs.writeFileSync(isolated, `#!/bin/sh\nexec ${python} -I -S "$@"\n`, { mode: 0o755 });
            const missing = await checkServerImport(isolated, scratch);
            assert.equal(missing.ok, false);
            assert.match(missing.detail, /No module named 'server'/);

            // A `server` package in the working folder (the workspace) is never imported.
            const marker = path.join(scratch, 'hijacked');
            fs.mkdirSync(path.join(scratch, 'server'));
            fs.writeFileSync(path.join(scratch, 'server', '__init__.py'), `open(${JSON.stringify(marker)}, 'w')\n`);
            const hostile = await checkServerImport(python, scratch);
            assert.equal(hostile.ok, false);
            assert.match(hostile.detail, /No module named 'server'/);
            assert.equal(fs.existsSync(marker), false, 'the workspace server package was imported');

            // An installed `server` (here: on PYTHONPATH) imports.
            const site = path.join(scratch, 'site');
            fs.mkdirSync(path.join(site, 'server'), { recursive: true });
            fs.writeFileSync(path.join(site, 'server', '__init__.py'), '');
            const installed = path.join(scratch, 'installed-python');
            fs.writeFileSync(installed, `#!/bin/sh\nPYTHONPATH=${site} exec ${python} "$@"\n`, { mode: 0o755 });
            assert.deepEqual(await checkServerImport(installed, scratch), { ok: true, detail: '' });

            // An interpreter older than 3.11 does not know -P.
            const old = path.join(scratch, 'old-python');
            fs.writeFileSync(old, '#!/bin/sh\necho "Unknown option: -P" >&2\nexit 2\n', { mode: 0o755 });
            assert.deepEqual(await checkServerImport(old, scratch), { ok: false, detail: 'Scion needs Python 3.11 or newer' });

            const broken = await checkServerImport(path.join(scratch, 'no-such-python'), scratch);
            assert.equal(broken.ok, false);
            assert.match(broken.detail, /ENOENT/);
        } finally {
            fs.rmSync(scratch, { recursive: true, force: true });
        }
    });
});
