# The echo app: a small Rack app that answers with what it received, as
# JSON, and logs one line per request. Routes that test the reply side:
#   /binary          256 bytes 0x00..0xff, image/png
#   /cookies         three Set-Cookie headers and a repeated X-Multi
#   /big?kb=N        N KiB of text/plain
#   /status/NNN      an empty answer with that status
#   /gzipped         a body the app compressed itself
#   /sleep?ms=N      answer after N ms
#   /log?n=N         N log lines on stdout and stderr before answering
#   /exit            the app process exits (crash simulation)
#   /stream?n=N&ms=M&kb=K&die=D
#                    N pieces of K KiB (default 1 line), M ms apart, sent
#                    as they are made (chunked); with die=D the process
#                    is killed after piece D
require 'json'
require 'base64'
require 'digest'
require 'zlib'
require 'stringio'

$stdout.sync = true
$stderr.sync = true

# A body Puma sends piece by piece, as the pieces are made.
class Trickle
  def initialize(params)
    @n = (params['n'] || '5').to_i
    @ms = (params['ms'] || '100').to_i
    @kb = params['kb'] && params['kb'].to_i
    @die = params['die'] && params['die'].to_i
  end

  def each
    @n.times do |i|
      Process.kill('KILL', Process.pid) if @die && i == @die
      sleep(@ms / 1000.0) if i > 0 && @ms > 0
      yield @kb ? (format('%07d ', i) + 'y' * (@kb * 1024 - 9) + "\n") : "piece #{i}\n"
    end
  end
end

ECHO = lambda do |env|
  req = Rack::Request.new(env)
  body = env['rack.input'].read
  path = env['PATH_INFO']
  $stdout.puts "echo: #{env['REQUEST_METHOD']} #{path} #{body.bytesize}B"
  params = Rack::Utils.parse_query(env['QUERY_STRING'] || '')
  case path
  when '/binary'
    [200, { 'Content-Type' => 'image/png' }, [(0..255).map(&:chr).join.b]]
  when '/cookies'
    [200, { 'Content-Type' => 'text/plain',
            'Set-Cookie' => "a=1; Path=/\nb=2; Expires=Wed, 21 Oct 2037 07:28:00 GMT\nc=3",
            'X-Multi' => "one\ntwo" }, ['cookies']]
  when '/big'
    kb = (params['kb'] || '64').to_i
    [200, { 'Content-Type' => 'text/plain' }, ['x' * 1023 + "\n"] * kb]
  when %r{\A/status/(\d{3})\z}
    [$1.to_i, {}, []]
  when '/gzipped'
    io = StringIO.new
    gz = Zlib::GzipWriter.new(io)
    gz.write('compressed by the app ' * 100)
    gz.close
    [200, { 'Content-Type' => 'text/plain', 'Content-Encoding' => 'gzip' }, [io.string]]
  when '/sleep'
    sleep((params['ms'] || '100').to_i / 1000.0)
    [200, { 'Content-Type' => 'text/plain' }, ['slept']]
  when '/log'
    n = (params['n'] || '10').to_i
    n.times { |i| $stdout.puts "out line #{i}"; $stderr.puts "err line #{i}" }
    [200, { 'Content-Type' => 'text/plain' }, ["logged #{n}"]]
  when '/stream'
    [200, { 'Content-Type' => 'text/plain', 'Set-Cookie' => "s=1\nt=2" }, Trickle.new(params)]
  when '/exit'
    Process.kill('KILL', Process.pid)
  else
    headers = env.select { |k, _| k.start_with?('HTTP_') }
    out = {
      'method' => env['REQUEST_METHOD'],
      'script_name' => env['SCRIPT_NAME'],
      'path_info' => path,
      'query_string' => env['QUERY_STRING'],
      'request_uri' => env['REQUEST_URI'],
      'server_name' => env['SERVER_NAME'],
      'server_port' => env['SERVER_PORT'],
      'https' => env['HTTPS'],
      'scheme' => req.scheme,
      'content_type' => env['CONTENT_TYPE'],
      'content_length' => env['CONTENT_LENGTH'],
      'headers' => headers,
      'cookies' => req.cookies,
      'body_base64' => Base64.strict_encode64(body),
      'body_sha256' => Digest::SHA256.hexdigest(body),
      'body_bytes' => body.bytesize,
      'remote_ip' => req.ip,
    }
    [200, { 'Content-Type' => 'application/json' }, [JSON.generate(out)]]
  end
end

run ECHO
