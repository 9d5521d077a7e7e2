import shared from '../../../neovim/languages.json';

/**
 * What the extension attaches the server to: the one list the Neovim plugin reads too
 * (clients/neovim/languages.json, bundled here at build time).
 */
export const LANGUAGES: readonly string[] = shared.languages;

/** The YAML files the server reads (template and copier manifests, answer files), by name. */
export const YAML_FILES: readonly string[] = shared.yaml;

export interface DocumentFilter {
    scheme: string;
    language: string;
    pattern?: string;
}

/**
 * The documents of one workspace folder (or of every folder when none is given): the
 * languages in files and untitled buffers, and the YAML files Scion reads, by name.
 */
export function documentSelector(folder?: string, untitled = true): DocumentFilter[] {
    const under = folder ? `${folder.replace(/[\\/]+$/, '')}/` : '';
    const inFolder = (pattern: string) => (folder ? { pattern: `${under}${pattern}` } : {});
    return [
        ...LANGUAGES.map((language) => ({ scheme: 'file', language, ...inFolder('**/*') })),
        ...(untitled ? LANGUAGES.map((language) => ({ scheme: 'untitled', language })) : []),
        { scheme: 'file', language: 'yaml', pattern: `${under}**/{${YAML_FILES.join(',')}}` },
    ];
}
