#!/bin/sh
# A CGI program for the tests: answers with what it received (its CGI
# environment and a digest of its stdin). Routes:
#   /sleep     sleeps 30 s (killed at the deadline)
#   /missing   Status: 404
#   /bad       no header section at all
#   /big       2 MiB of body
echo "cgi: $REQUEST_METHOD $PATH_INFO" >&2
case "$PATH_INFO" in
/sleep)
	sleep 30
	;;
/missing)
	printf 'Status: 404 Not Found\r\nContent-Type: text/plain\r\n\r\nno such thing\n'
	exit 0
	;;
/bad)
	echo "this is not a CGI response"
	exit 0
	;;
/big)
	printf 'Content-Type: application/octet-stream\r\n\r\n'
	head -c 2097152 /dev/zero
	exit 0
	;;
esac
printf 'Content-Type: text/plain\r\nX-Cgi: yes\r\nSet-Cookie: c1=1\r\nSet-Cookie: c2=2\r\n\r\n'
echo "method=$REQUEST_METHOD"
echo "path=$PATH_INFO"
echo "query=$QUERY_STRING"
echo "uri=$REQUEST_URI"
echo "remote=$REMOTE_ADDR"
echo "length=$CONTENT_LENGTH"
echo "type=$CONTENT_TYPE"
echo "custom=$HTTP_X_CUSTOM"
echo "proxy=${HTTP_PROXY:-none}"
echo "body=$(head -c "${CONTENT_LENGTH:-0}" | sha256sum | cut -d' ' -f1)"
