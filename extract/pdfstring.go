package extract

// literalString reads a PDF literal string from b[i:], just after its "(",
// up to the ")" that closes it, balanced parentheses included, with its
// escapes (ISO 32000-1, 7.3.4.2): \n \r \t \b \f, \( \) \\, octal codes
// of one to three digits, and a backslash at the end of a line that joins
// the lines. It returns the string's bytes, the index just after it,
// whether a ")" closed it, and whether it held an escape the standard does
// not know (the character is kept, as readers do).
func literalString(b []byte, i int) (s []byte, end int, closed, odd bool) {
	depth := 1
	for i < len(b) {
		c := b[i]
		i++
		switch c {
		case '(':
			depth++
		case ')':
			if depth--; depth == 0 {
				return s, i, true, odd
			}
		case '\\':
			if i == len(b) {
				continue
			}
			c = b[i]
			i++
			switch c {
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case '\r':
				if i < len(b) && b[i] == '\n' {
					i++
				}
				continue
			case '\n':
				continue
			case '0', '1', '2', '3', '4', '5', '6', '7':
				x := int(c - '0')
				for j := 0; j < 2 && i < len(b) && b[i] >= '0' && b[i] <= '7'; j++ {
					x = x*8 + int(b[i]-'0')
					i++
				}
				c = byte(x)
			case '(', ')', '\\':
			default:
				odd = true
			}
		}
		s = append(s, c)
	}
	return s, i, false, odd
}
