import t from 'tap'
import { ApiError } from '../../src/errors.js'
import { parseFilters } from '../../src/engine/search.js'

// provider-api.md §4's search body, parsed without HTTP

const problems = (body: unknown): Record<string, string> => {
  try {
    parseFilters(body)
  } catch (err) {
    if (err instanceof ApiError) return err.properties ?? {}
    throw err
  }
  throw new Error('no error')
}

t.test('a filter or a list of them; field and operator names in any case', async (t) => {
  t.same(parseFilters(undefined), [], 'no body: no filters')
  t.same(parseFilters(null), [])
  t.same(parseFilters({ fieldName: 'TO', searchOperator: 'Starts_With', searchTerm: '+3069' }), [{ field: 'to', op: 'starts_with', term: '+3069' }])
  t.same(parseFilters([{ fieldName: 'status', searchTerm: 'Failed' }, { fieldName: 'flowKind', searchOperator: 'is_not', searchTerm: 'standard' }]), [
    { field: 'status', op: 'is', term: 'Failed' },
    { field: 'flowKind', op: 'is_not', term: 'standard' }
  ], 'is by default; ANDed in order')
})

t.test('every problem is named by its path', async (t) => {
  t.throws(() => parseFilters('to'), ApiError, 'neither an object nor an array')
  t.match(problems([{ fieldName: 'nope', searchTerm: 'x' }]), { '[0].fieldName': /must be one of type, to, status/ })
  t.match(problems([{ fieldName: 'status', searchOperator: 'contains', searchTerm: 'x' }]), { '[0].searchOperator': /is, is_not for status/ }, 'contains is for to only')
  t.match(problems({ fieldName: 'to', searchTerm: '' }), { searchTerm: /required/ })
  t.match(problems({ fieldName: 'to', searchTerm: 'x'.repeat(1001) }), { searchTerm: /at most 1000/ })
  t.match(problems([1]), { '[0]': /must be an object/ })
  t.ok(Object.keys(problems(Array.from({ length: 21 }, () => ({ fieldName: 'to', searchTerm: 'x' })))).length > 0, 'at most 20 filters')
})
