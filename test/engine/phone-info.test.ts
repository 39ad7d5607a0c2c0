import t from 'tap'
import { parsePhoneNumberFromString } from 'libphonenumber-js/max'
import { phoneInfo } from '../../src/engine/channels.js'

// issue 15: phoneInfo asks libphonenumber for the number's type once and reads validity from it;
// with the full metadata that is what isValid() answers, for every kind of number

const NUMBERS = [
  '+306912345678', '+302101234567', '+306900000130', '+447700900123', '+442071838750', '+14155552671', '+12025550123',
  '+4915123456789', '+493012345678', '+33612345678', '+5511987654321', '+919876543210', '+61412345678', '+8613812345678',
  '+80012345678', '+882123456', '+3069', '+30691234567890', '+1', '+999123456789', '+12', '+44 7700 900123', '+0123456789',
  '+3069123456789', '+390612345678', '+393123456789', '+35799123456', '+79161234567', '+971501234567'
]

t.test('valid, country and mobile agree with libphonenumber asked the long way', async (t) => {
  for (const n of NUMBERS) {
    const parsed = parsePhoneNumberFromString(n)
    const valid = parsed?.isValid() === true
    const type = valid ? parsed!.getType() : undefined
    t.same(phoneInfo(n), { valid, country: parsed?.country, mobile: type === 'MOBILE' || type === 'FIXED_LINE_OR_MOBILE' }, n)
  }
  t.ok(NUMBERS.some((n) => phoneInfo(n).valid) && NUMBERS.some((n) => !phoneInfo(n).valid), 'both kinds sampled')
  t.ok(NUMBERS.some((n) => phoneInfo(n).valid && !phoneInfo(n).mobile), 'a valid landline sampled')
})
