#!/usr/bin/env python3
"""Writes testdata/corpus/corpus.json: every document with its file, its
HTML source, its modality, its writer and its split.

The split is by writer, so that the test split measures the detector on
writers it never saw: w01–w08, w17–w23 and w25–w29 train, w09–w10 dev,
w11–w16 and w24 test. The eight
fixtures of testdata/dossiers and the labelled passages train. A document
is listed once it has a label file.

    python3 testdata/corpus/tools/manifest.py          # writes corpus.json
    python3 testdata/corpus/tools/manifest.py --list   # id, file, producer of every source (build.sh)
"""
import json, os, sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, '..')
EXT = {'pdf': 'pdf', 'pdf-chromium': 'pdf', 'docx': 'docx', 'odt': 'odt'}


def split_of(writer):
    n = int(writer[1:])
    return 'test' if 11 <= n <= 16 or n == 24 else ('dev' if n in (9, 10) else 'train')


def main():
    if sys.argv[1:] == ['--list']:
        # What build.sh renders: every document with a source.
        for name in sorted(os.listdir(os.path.join(ROOT, 'briefs'))):
            for d in json.load(open(os.path.join(ROOT, 'briefs', name)))['documents']:
                if os.path.exists(os.path.join(ROOT, 'src', d['id'] + '.html')):
                    print(d['id'], 'docs/%s.%s' % (d['id'], EXT[d['format']]), 'chromium' if d['format'] == 'pdf-chromium' else 'libreoffice')
        return
    docs = []
    for name in sorted(os.listdir(os.path.join(ROOT, 'labels'))):
        if name.startswith('fx-'):
            base = name[3:-5]
            docs.append({'id': name[:-5], 'file': '../dossiers/%s.pdf' % base, 'source': '../dossiers/%s.html' % base,
                         'modality': json.load(open(os.path.join(ROOT, 'labels', name)))['modality'],
                         'split': 'train', 'group': 'fixtures'})
    for name in sorted(os.listdir(os.path.join(ROOT, 'briefs'))):
        brief = json.load(open(os.path.join(ROOT, 'briefs', name)))
        for d in brief['documents']:
            if not os.path.exists(os.path.join(ROOT, 'labels', d['id'] + '.json')):
                continue
            docs.append({'id': d['id'], 'file': 'docs/%s.%s' % (d['id'], EXT[d['format']]),
                         'source': 'src/%s.html' % d['id'], 'producer': 'chromium' if d['format'] == 'pdf-chromium' else 'libreoffice',
                         'modality': d['modality'], 'split': split_of(brief['writer']), 'group': brief['writer']})
    with open(os.path.join(ROOT, 'corpus.json'), 'w') as f:
        json.dump({'passages': '../passages/passages.jsonl', 'documents': docs}, f, ensure_ascii=False, indent=1)
        f.write('\n')


if __name__ == '__main__':
    main()
