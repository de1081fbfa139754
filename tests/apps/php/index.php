<?php
// The PHP echo app: answers with what it received, as JSON; a few
// routes test the reply side (as the Rack echo app does).
$path = $_SERVER['PATH_INFO'] ?? '/';
if (preg_match('#^/status/(\d{3})$#', $path, $m)) {
	// the benchmark's route: no work, no log line
	http_response_code((int)$m[1]);
	exit;
}
$body = file_get_contents('php://input');
error_log("php: {$_SERVER['REQUEST_METHOD']} $path " . strlen($body) . "B");
if ($path === '/cookies') {
	header('Content-Type: text/plain');
	header('Set-Cookie: a=1; Path=/', false);
	header('Set-Cookie: b=2', false);
	echo 'cookies';
	exit;
}
if ($path === '/binary') {
	header('Content-Type: image/png');
	echo implode('', array_map('chr', range(0, 255)));
	exit;
}
$headers = [];
foreach ($_SERVER as $k => $v)
	if (strncmp($k, 'HTTP_', 5) === 0)
		$headers[$k] = $v;
header('Content-Type: application/json');
echo json_encode([
	'method' => $_SERVER['REQUEST_METHOD'],
	'script_name' => $_SERVER['SCRIPT_NAME'] ?? null,
	'path_info' => $path,
	'query_string' => $_SERVER['QUERY_STRING'] ?? '',
	'request_uri' => $_SERVER['REQUEST_URI'] ?? null,
	'content_type' => $_SERVER['CONTENT_TYPE'] ?? null,
	'content_length' => $_SERVER['CONTENT_LENGTH'] ?? null,
	'remote_addr' => $_SERVER['REMOTE_ADDR'] ?? null,
	'https' => $_SERVER['HTTPS'] ?? null,
	'headers' => $headers,
	'body_sha256' => hash('sha256', $body),
	'body_bytes' => strlen($body),
]);
