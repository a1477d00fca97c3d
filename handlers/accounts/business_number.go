package accounts

import "strings"

// NormalizeBusinessNumber drops the dashes and spaces of a 사업자등록번호.
func NormalizeBusinessNumber(s string) string {
	return strings.NewReplacer("-", "", " ", "").Replace(strings.TrimSpace(s))
}

// businessWeights are the weights of the first nine digits.
var businessWeights = [9]int{1, 3, 7, 1, 3, 7, 1, 3, 5}

// ValidBusinessNumber reports whether s (10 digits, no dashes) is a
// 사업자등록번호 whose last digit is its check digit (BusinessCheckDigit of
// the first nine).
func ValidBusinessNumber(s string) bool {
	if len(s) != 10 {
		return false
	}
	for i := range 10 {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return BusinessCheckDigit(s[:9]) == s[9]
}

// BusinessCheckDigit returns the check digit of the first nine digits of a
// 사업자등록번호 (nine ASCII digits): the digits weighted 1,3,7,1,3,7,1,3,5,
// plus the tens digit of the ninth times 5; the check digit brings the sum
// to a multiple of ten.
func BusinessCheckDigit(nine string) byte {
	sum := 0
	for i, w := range businessWeights {
		sum += int(nine[i]-'0') * w
	}
	sum += int(nine[8]-'0') * 5 / 10
	return byte('0' + (10-sum%10)%10)
}
