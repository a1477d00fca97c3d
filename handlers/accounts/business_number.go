package accounts

import "strings"

// NormalizeBusinessNumber drops the dashes and spaces of a 사업자등록번호.
func NormalizeBusinessNumber(s string) string {
	return strings.NewReplacer("-", "", " ", "").Replace(strings.TrimSpace(s))
}

// businessWeights are the weights of the first nine digits.
var businessWeights = [9]int{1, 3, 7, 1, 3, 7, 1, 3, 5}

// ValidBusinessNumber reports whether s (10 digits, no dashes) is a
// 사업자등록번호 whose last digit is its check digit: the first nine digits
// weighted 1,3,7,1,3,7,1,3,5, plus the tens digit of the ninth times 5; the
// check digit brings the sum to a multiple of ten.
func ValidBusinessNumber(s string) bool {
	if len(s) != 10 {
		return false
	}
	var d [10]int
	for i := range 10 {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
		d[i] = int(s[i] - '0')
	}
	sum := 0
	for i, w := range businessWeights {
		sum += d[i] * w
	}
	sum += d[8] * 5 / 10
	return (10-sum%10)%10 == d[9]
}
