import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  childElements,
  parseXml,
  serializeXml,
  textOf,
  XmlSyntaxError,
  xml,
  xmlSafe,
} from '../../src/timeline/xml.ts';

describe('XML reader', () => {
  test('declaration, DOCTYPE with an internal subset, comments, PIs, CDATA and references', () => {
    const doc = parseXml(
      '\uFEFF<?xml version="1.0" encoding="UTF-8"?>\r\n' +
        '<!DOCTYPE note [ <!ELEMENT note (#PCDATA)> <!ATTLIST note a CDATA "x>y"> ]>\n' +
        '<!-- before -->\n' +
        '<root a="1 &amp; 2" b=\'it&apos;s\' c="line&#10;break" d="tab\tand\nnewline">' +
        '<?pi ignored?><note>&lt;tag&gt; &#x1F3AC; &#233;<![CDATA[ <raw> & ]]>end</note>' +
        '<empty/><!-- inside --><x:y z="">\r\ntext\r</x:y></root>\n<!-- after -->',
    );
    assert.equal(doc.name, 'root');
    assert.deepEqual(doc.attrs, {
      a: '1 & 2',
      b: "it's",
      c: 'line\nbreak',
      d: 'tab and newline',
    });
    const [note, empty, prefixed] = childElements(doc);
    assert.equal(textOf(note ?? doc), '<tag> 🎬 é <raw> & end');
    assert.deepEqual(empty?.children, []);
    assert.equal(prefixed?.name, 'x:y');
    assert.equal(textOf(prefixed ?? doc), '\ntext\n', 'line ends normalized to \\n');
    assert.deepEqual([note?.line, note?.col], [5, 24], 'the literal newline in d counts');
  });

  const errors: Array<[string, RegExp]> = [
    ['<a><b></a>', /<\/a> closes <b>/],
    ['<a>&nbsp;</a>', /undefined entity &nbsp;/],
    ['<a x="1" x="2"/>', /given twice/],
    ['<a><!-- a -- b --></a>', /"--"/],
    ['<a x=1/>', /quoted/],
    ['<a/><b/>', /after the root/],
    ['<a x="<"/>', /"<" is not allowed/],
    ['<a>fish & chips</a>', /"&" must start a reference/],
    ['<a>&#0;</a>', /not a valid character/],
    ['<a>\u0001</a>', /U\+0001/],
    ['<a>x]]>y</a>', /"]]>"/],
    ['<a>', /never closed/],
    ['<a x="1"y="2"/>', /whitespace before an attribute/],
    ['', /root element/],
  ];
  for (const [text, message] of errors) {
    test(`rejects ${JSON.stringify(text)}`, () => {
      assert.throws(
        () => parseXml(text),
        (e: unknown) => e instanceof XmlSyntaxError && message.test(e.message),
      );
    });
  }

  test('errors say where', () => {
    try {
      parseXml('<a>\n  <b>\n  </c>\n</a>');
      assert.fail('should throw');
    } catch (e) {
      assert.ok(e instanceof XmlSyntaxError);
      assert.deepEqual([e.line, e.col, e.code], [3, 3, 'invalid_timeline']);
    }
  });
});

describe('XML writer', () => {
  test('any text and attribute value reads back as written (XML-illegal characters aside)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (value, text) => {
        const written = serializeXml(xml('r', { v: value }, [xml('t', {}, [text]), xml('e')]), [
          '<?xml version="1.0" encoding="UTF-8"?>',
        ]);
        const doc = parseXml(written);
        assert.equal(doc.attrs.v, xmlSafe(value));
        assert.equal(textOf(childElements(doc)[0] ?? doc), xmlSafe(text));
      }),
      { numRuns: 300 },
    );
  });

  test('characters XML cannot carry become U+FFFD; everything else is kept', () => {
    assert.equal(xmlSafe('a\u0000b\uD800c\uDC00🎬\u0009'), 'a\uFFFDb\uFFFDc\uFFFD🎬\t');
  });
});
