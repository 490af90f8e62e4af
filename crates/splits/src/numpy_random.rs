//! numpy's legacy random generator (`numpy.random.RandomState`), as far as the paper's splits
//! need it: MT19937 seeded by `init_by_array`, bounded integers by masked rejection, the legacy
//! Fisher-Yates shuffle, and `choice(n, k, replace=False)`.
//!
//! `RandomState([seed])` (a one-element *list*) seeds MT19937 with `init_by_array(&[seed])`;
//! `RandomState(seed)` (a plain int) would use `init_genrand(seed)` instead and give other halves.
//! Legacy `choice(n, k, replace=False)` without probabilities is `permutation(n)[:k]`, and
//! `permutation(n)` shuffles `arange(n)` by swapping, for `i` from `n-1` down to 1, element `i`
//! with element `j` drawn uniformly from `0..=i`; `j` is the first 32-bit output, masked to the
//! smallest all-ones mask covering `i`, that is at most `i`. So in Python,
//! `sorted(numpy.random.RandomState([seed]).choice(n, n // 2, replace=False))` is half A.

const STATE_LEN: usize = 624;
const SHIFT: usize = 397;
const MATRIX_A: u32 = 0x9908_b0df;
const UPPER_MASK: u32 = 0x8000_0000;
const LOWER_MASK: u32 = 0x7fff_ffff;

/// numpy's legacy `RandomState`: the 32-bit Mersenne Twister MT19937.
#[derive(Clone)]
pub struct LegacyRandomState {
    state: [u32; STATE_LEN],
    position: usize,
}

impl LegacyRandomState {
    /// `RandomState(seed)` for an integer seed: MT19937's `init_genrand`.
    pub fn from_int(seed: u32) -> Self {
        let mut state = [0u32; STATE_LEN];
        state[0] = seed;
        for i in 1..STATE_LEN {
            state[i] = 1_812_433_253u32
                .wrapping_mul(state[i - 1] ^ (state[i - 1] >> 30))
                .wrapping_add(i as u32);
        }
        LegacyRandomState {
            state,
            position: STATE_LEN,
        }
    }

    /// `RandomState(key)` for a list of integers: MT19937's `init_by_array`. The paper's splits
    /// use the one-element key `[seed]`.
    pub fn from_key(key: &[u32]) -> Self {
        let mut rng = LegacyRandomState::from_int(19_650_218);
        let mt = &mut rng.state;
        let mut i = 1usize;
        let mut j = 0usize;
        let rounds = STATE_LEN.max(key.len());
        for _ in 0..rounds {
            mt[i] = (mt[i] ^ (mt[i - 1] ^ (mt[i - 1] >> 30)).wrapping_mul(1_664_525))
                .wrapping_add(key.get(j).copied().unwrap_or(0))
                .wrapping_add(j as u32);
            i += 1;
            j += 1;
            if i >= STATE_LEN {
                mt[0] = mt[STATE_LEN - 1];
                i = 1;
            }
            if j >= key.len() {
                j = 0;
            }
        }
        for _ in 0..STATE_LEN - 1 {
            mt[i] = (mt[i] ^ (mt[i - 1] ^ (mt[i - 1] >> 30)).wrapping_mul(1_566_083_941))
                .wrapping_sub(i as u32);
            i += 1;
            if i >= STATE_LEN {
                mt[0] = mt[STATE_LEN - 1];
                i = 1;
            }
        }
        mt[0] = 0x8000_0000;
        rng.position = STATE_LEN;
        rng
    }

    /// Regenerates the 624 words of state.
    fn twist(&mut self) {
        let mt = &mut self.state;
        for k in 0..STATE_LEN {
            let y = (mt[k] & UPPER_MASK) | (mt[(k + 1) % STATE_LEN] & LOWER_MASK);
            let mag = if y & 1 == 1 { MATRIX_A } else { 0 };
            mt[k] = mt[(k + SHIFT) % STATE_LEN] ^ (y >> 1) ^ mag;
        }
        self.position = 0;
    }

    /// The next 32-bit output (`genrand_int32`).
    pub fn next_u32(&mut self) -> u32 {
        if self.position >= STATE_LEN {
            self.twist();
        }
        let mut y = self.state[self.position];
        self.position += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    /// A uniform integer in `0..=max` by masked rejection on 32-bit outputs (numpy's
    /// `random_interval` for `max < 2^32`).
    pub fn interval(&mut self, max: u32) -> u32 {
        if max == 0 {
            return 0;
        }
        let mask = u32::MAX >> max.leading_zeros();
        loop {
            let value = self.next_u32() & mask;
            if value <= max {
                return value;
            }
        }
    }

    /// Legacy `shuffle` of a one-dimensional array, in place.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let bound = u32::try_from(i).expect("legacy shuffle supports fewer than 2^32 items");
            let j = self.interval(bound) as usize;
            items.swap(i, j);
        }
    }

    /// Legacy `permutation(n)`: a shuffled `0..n`.
    pub fn permutation(&mut self, n: usize) -> Vec<usize> {
        let mut items: Vec<usize> = (0..n).collect();
        self.shuffle(&mut items);
        items
    }
}

/// `RandomState([seed]).choice(n, k, replace=False)`: the first `k` entries of a legacy
/// permutation of `0..n`, in draw order (not sorted). Panics when `k > n`.
pub fn legacy_choice_without_replacement(seed: u32, n: usize, k: usize) -> Vec<usize> {
    assert!(k <= n, "cannot choose {k} of {n} without replacement");
    let mut permutation = LegacyRandomState::from_key(&[seed]).permutation(n);
    permutation.truncate(k);
    permutation
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference outputs of MT19937 (mt19937ar.c, `init_by_array({0x123, 0x234, 0x345,
    /// 0x456})`): its first five 32-bit outputs.
    #[test]
    fn init_by_array_matches_reference_outputs() {
        let mut rng = LegacyRandomState::from_key(&[0x123, 0x234, 0x345, 0x456]);
        let first: Vec<u32> = (0..5).map(|_| rng.next_u32()).collect();
        assert_eq!(
            first,
            [
                1_067_595_299,
                955_945_823,
                477_289_528,
                4_107_218_783,
                4_228_976_476
            ]
        );
    }

    /// `init_genrand(5489)` is the default seed of C++'s `std::mt19937`, whose 10000th output is
    /// 4123659995.
    #[test]
    fn init_genrand_matches_the_cpp_standard() {
        let mut rng = LegacyRandomState::from_int(5489);
        let mut last = 0;
        for _ in 0..10_000 {
            last = rng.next_u32();
        }
        assert_eq!(last, 4_123_659_995);
    }

    #[test]
    fn interval_stays_in_bounds() {
        let mut rng = LegacyRandomState::from_key(&[7]);
        for max in [0u32, 1, 2, 5, 999, 1 << 20, u32::MAX] {
            for _ in 0..100 {
                assert!(rng.interval(max) <= max);
            }
        }
    }

    #[test]
    fn choice_is_a_prefix_of_the_permutation_without_repeats() {
        let chosen = legacy_choice_without_replacement(3, 100, 50);
        let mut sorted = chosen.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), 50);
        assert!(sorted.iter().all(|&c| c < 100));
        let whole = LegacyRandomState::from_key(&[3]).permutation(100);
        assert_eq!(&whole[..50], &chosen[..]);
    }
}
