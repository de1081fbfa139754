# spoofing - tests/spoofing.table, the hostile-input rows (header spoofing
# and injection, oversize input), each run through every front end it
# applies to: Lambda events through bridge replay (to Puma and to Rack's
# FastCGI handler), raw FastCGI records to bridge fcgi (to both), HTTP
# through nginx configured by packaging/nginx/bridge.conf, and bridge cgi.
# Per row and front end: the status; whether the app saw the request (its
# log); what it saw (the echo app's env); the G9 invariants. Then the
# bridge's peak memory over all of it (release builds), and the CGI
# front end's app environment free of the request's variables.
. "$(dirname "$0")/lib.sh"

S=$SCRATCH
ECHO=$TOP/tests/apps/echo
mkdir -p "$S/public"

# nginx on loopback TCP (REMOTE_ADDR an address, as in production) and on
# a Unix socket (to know when it listens), the shipped site config
PORT=$(ruby -rsocket -e 's = TCPServer.new("127.0.0.1", 0); puts s.addr[1]; s.close')
sed -e "s|unix:/run/bridge/fcgi.sock|unix:$S/fcgi.sock|" \
	-e "s|listen 80;|listen 127.0.0.1:$PORT; listen unix:$S/nginx.sock;|" \
	-e "s|root /srv/app/public;|root $S/public;|" \
	"$TOP/packaging/nginx/bridge.conf" >"$S/site.conf"
nginx_start "$S" "$S/site.conf" "$S/nginx.sock"
NGINX=$NGINX_PID

# bridge fcgi -> Puma (behind nginx and for raw FastCGI), and a second one
# -> Rack's FastCGI handler
fcgi_start --app "$ECHO" --stage "$S/stage" --socket "$S/app.sock" --max-body 2m
rm -f "$S/fcgi2.sock"
: >"$S/bridge2.log"
"$BRIDGE" fcgi --listen "$S/fcgi2.sock" --app "$ECHO" --stage "$S/stage2" \
	--socket "$S/rack.sock" --upstream fastcgi --max-body 2m >>"$S/bridge2.log" 2>&1 &
B2=$!
i=0
while ! grep -q 'kind=fcgi_listen' "$S/bridge2.log" && [ $i -lt 400 ]; do
	sleep 0.05
	i=$((i + 1))
done

cat >"$S/driver.rb" <<'RUBY'
# The table's rows through each front end; prints "PASS text" and
# "FAIL text" lines, and "HWM front KiB" for the bridge's peak memory.
require 'json'
require 'socket'
require 'zlib'
require 'base64'
require 'timeout'

TABLE, S, BRIDGE, ECHO, NGINX_PORT, FCGI_PID, FCGI2_PID = ARGV
FRONTS = %w[lambda lambda/fcgi fcgi fcgi/fcgi nginx cgi].freeze
REMOTE = { 'lambda' => '198.51.100.7', 'fcgi' => '192.0.2.44', 'nginx' => '127.0.0.1',
           'cgi' => '192.0.2.8' }.freeze
HOST = { 'lambda' => 'abcdefghij.lambda-url.us-east-1.on.aws', 'fcgi' => 'fcgi.test',
         'nginx' => 'example.com', 'cgi' => 'cgi.test' }.freeze
WAIT = 20 # seconds for any one answer

def base(front) = front.split('/').first
def vars(front)
  b = base(front)
  lam = b == 'lambda'
  { '$REMOTE' => REMOTE[b], '$HOST' => HOST[b], '$SCHEME' => lam ? 'https' : 'http',
    '$PORT' => lam ? '443' : (b == 'nginx' ? NGINX_PORT : '80') }
end

def size(s) = s.to_i * { 'k' => 1024, 'm' => 1024 * 1024 }.fetch(s[/[km]\z/].to_s, 1)

# Escapes and {N*s} repetitions, after $VAR substitution.
def unescape(s, front)
  vars(front).each { |k, v| s = s.gsub(k, v) }
  s = s.gsub(/\{(\d+[km]?)\*((?:\\.|[^}])*)\}/) { Regexp.last_match(2) * size(Regexp.last_match(1)) }
  s.b.gsub(/\\(x\h\h|[rnt0\\|])/n) do
    c = Regexp.last_match(1)
    case c
    when 'r' then "\r" when 'n' then "\n" when 't' then "\t" when '0' then "\0"
    when '\\' then '\\' when '|' then '|'
    else c[1, 2].hex.chr
    end
  end
end

Row = Struct.new(:id, :fronts, :method, :path, :items, :expect, :lineno)

def parse_fronts(spec)
  list = spec.split(',')
  set = list.include?('all') || list.all? { |f| f.start_with?('-') } ? FRONTS.dup : []
  list.each do |f|
    next if f == 'all'
    f.start_with?('-') ? set.delete(f[1..]) : set << f
  end
  unknown = (set + list.map { |f| f.delete_prefix('-') }) - FRONTS - ['all']
  abort "unknown front end #{unknown.join(',')}" unless unknown.empty?
  set
end

def tokens(s) = s.scan(/(?:"(?:\\.|[^"])*"|\S)+/).map { |t| t.delete('"') }

def parse_table
  File.readlines(TABLE, chomp: true).each_with_index.filter_map do |line, i|
    next if line.strip.empty? || line.start_with?('#')
    req, exp = line.split(/\s=>\s/, 2)
    abort "line #{i + 1}: no =>" unless exp
    parts = req.split(/\s+\|\s+/)
    id, fronts, method, path = parts.shift.split(/\s+/, 4)
    Row.new(id, parse_fronts(fronts), method, path.strip, parts.map(&:strip), tokens(exp), i + 1)
  end
end

# The request, front-end neutral: method, path, [name, value]..., body,
# extra FastCGI variables.
Req = Struct.new(:method, :path, :headers, :body, :params)
BODIES = {}
def body(spec, front)
  BODIES[spec] ||= case spec
                   when /\Agzip:(zero|text):(\d+[km]?)\z/
                     n = size(Regexp.last_match(2))
                     raw = if Regexp.last_match(1) == 'zero' then "\0" * n
                           else
                             r = Random.new(7)
                             words = %w[alpha beta gamma delta epsilon zeta eta theta iota kappa]
                             s = +''
                             s << words[r.rand(10)] << ' ' << r.rand(1000).to_s << "\n" while s.bytesize < n
                             s.byteslice(0, n)
                           end
                     Zlib.gzip(raw)
                   when /\A\d+[km]\z/ then 'b' * size(spec)
                   else unescape(spec, front)
                   end
end

def request(row, front)
  tag = "/#{front.tr('/', '-')}-#{row.id}"
  r = Req.new(row.method, (tag + unescape(row.path, front)).b, [], nil, 0)
  row.items.each do |it|
    case it
    when /\A@body\s+(.*)\z/ then r.body = body(Regexp.last_match(1), front)
    when /\A@fill\s+(\d+)\s+(\d+)\z/
      Regexp.last_match(1).to_i.times { |i| r.headers << ["X-Fill-#{i + 1}", 'f' * Regexp.last_match(2).to_i] }
    when /\A@params\s+(\d+)\z/ then r.params = Regexp.last_match(1).to_i
    else
      name, value = unescape(it, front).split(': ', 2)
      r.headers << [name, value.to_s]
    end
  end
  r.headers.unshift(['Host', HOST[base(front)]]) unless r.headers.any? { |n, _| n.casecmp?('host') }
  r
end

# --- front ends -------------------------------------------------------------

def utf8(o)
  case o
  when String then o.dup.force_encoding('UTF-8')
  when Hash then o.to_h { |k, v| [utf8(k), utf8(v)] }
  when Array then o.map { |v| utf8(v) }
  else o
  end
end

# A Function URL event, with what AWS sets itself.
def event(r, front)
  h = {}
  xff = []
  cookies = []
  r.headers.each do |n, v|
    case n.downcase
    when 'x-forwarded-proto', 'x-forwarded-port' then next
    when 'x-forwarded-for' then xff << v
    when 'cookie' then cookies << v
    else h[n] = h.key?(n) ? "#{h[n]}, #{v}" : v
    end
  end
  h['x-forwarded-proto'] = 'https'
  h['x-forwarded-port'] = '443'
  h['x-forwarded-for'] = (xff + [REMOTE['lambda']]).join(', ')
  path, query = r.path.split('?', 2)
  ev = { 'version' => '2.0', 'routeKey' => '$default', 'rawPath' => path, 'rawQueryString' => query.to_s,
         'headers' => h,
         'requestContext' => { 'domainName' => HOST['lambda'], 'stage' => '$default',
                               'http' => { 'method' => r.method, 'path' => path, 'protocol' => 'HTTP/1.1',
                                           'sourceIp' => REMOTE['lambda'] } },
         'isBase64Encoded' => !r.body.nil? }
  ev['cookies'] = cookies unless cookies.empty?
  ev['body'] = Base64.strict_encode64(r.body) if r.body
  JSON.generate(utf8(ev))
end

# The variables nginx's fastcgi_params would make of the request.
def cgi_vars(r, front)
  path, query = r.path.split('?', 2)
  v = [['REQUEST_METHOD', r.method], ['REQUEST_URI', r.path], ['QUERY_STRING', query.to_s],
       ['SCRIPT_NAME', path], ['SERVER_PROTOCOL', 'HTTP/1.1'], ['SERVER_NAME', HOST[base(front)]],
       ['SERVER_PORT', '80'], ['REMOTE_ADDR', REMOTE[base(front)]], ['GATEWAY_INTERFACE', 'CGI/1.1'],
       ['CONTENT_LENGTH', r.body ? r.body.bytesize.to_s : '']]
  r.headers.each do |n, val|
    v << ['CONTENT_TYPE', val] if n.casecmp?('content-type')
    v << ["HTTP_#{n.upcase.tr('-', '_')}", val]
  end
  r.params.times { |i| v << ["P#{i}", 'v'] }
  v.map { |a, b| [a.b, b.b] }
end

def deadline_read(io, deadline, n = 65_536)
  left = deadline - Process.clock_gettime(Process::CLOCK_MONOTONIC)
  return nil if left <= 0 || !IO.select([io], nil, nil, left)
  io.read_nonblock(n)
rescue EOFError, Errno::ECONNRESET
  :eof
end

def now = Process.clock_gettime(Process::CLOCK_MONOTONIC)

# Write on a thread (a bridge that refuses early need not read it all).
def send_async(sock, data)
  Thread.new do
    sock.write(data)
  rescue IOError, SystemCallError
    nil
  end
end

def fcgi_len(n) = n < 128 ? [n].pack('C') : [n | 0x80000000].pack('N')

def fcgi_stream(type, content)
  out = +''.b
  (0...content.bytesize).step(65_535) do |o|
    c = content.byteslice(o, 65_535)
    out << [1, type, 1, c.bytesize, 0, 0].pack('CCnnCC') << c
  end
  out << [1, type, 1, 0, 0, 0].pack('CCnnCC')
end

# CGI response text -> [status, body].
def cgi_answer(text)
  head, body = text.split(/\r?\n\r?\n/, 2)
  st = head.to_s[/^Status: (\d{3})/i, 1]
  [st ? st.to_i : (head.to_s.empty? ? 0 : 200), body.to_s]
end

def fcgi_call(sock_path, r, front)
  pairs = cgi_vars(r, front).map { |a, b| fcgi_len(a.bytesize) + fcgi_len(b.bytesize) + a + b }.join.b
  data = [1, 1, 1, 8, 0, 0, 1, 0].pack('CCnnCCnC') + "\0" * 5
  data << fcgi_stream(4, pairs) << fcgi_stream(5, r.body || ''.b)
  s = UNIXSocket.new(sock_path)
  w = send_async(s, data)
  buf = +''.b
  out = +''.b
  dl = now + WAIT
  loop do
    chunk = deadline_read(s, dl)
    return [0, 'timeout'] if chunk.nil?
    break if chunk == :eof
    buf << chunk
    ended = false
    while buf.bytesize >= 8
      _, type, _, len, pad = buf.unpack('CCnnC')
      break if buf.bytesize < 8 + len + pad
      out << buf.byteslice(8, len) if type == 6
      ended = true if type == 3
      buf = buf.byteslice(8 + len + pad..)
    end
    break if ended
  end
  cgi_answer(out)
ensure
  s&.close
  w&.join(1)
end

def chunked(body) = "#{body.bytesize.to_s(16)}\r\n".b + body + "\r\n0\r\n\r\n".b

def http_call(r)
  te = r.headers.any? { |n, v| n.casecmp?('transfer-encoding') && v == 'chunked' }
  head = "#{r.method} #{r.path} HTTP/1.1\r\n".b
  r.headers.each { |n, v| head << n.b << ': ' << v.b << "\r\n" }
  head << "Content-Length: #{r.body.bytesize}\r\n" if r.body && !te
  head << "Connection: close\r\n" unless r.headers.any? { |n, _| n.casecmp?('connection') }
  head << "\r\n"
  data = head + (r.body ? (te ? chunked(r.body) : r.body) : ''.b)
  s = TCPSocket.new('127.0.0.1', NGINX_PORT.to_i)
  w = send_async(s, data)
  buf = +''.b
  dl = now + WAIT
  loop do
    # skip interim answers (100 Continue)
    buf = buf.sub(/\AHTTP\/1\.1 1\d\d[^\r]*\r\n(?:[^\r]+\r\n)*\r\n/n, '')
    if (i = buf.index("\r\n\r\n"))
      h = buf[0, i]
      len = h[/^content-length: *(\d+)/i, 1]
      body = buf.byteslice(i + 4..)
      if len && body.bytesize >= len.to_i
        return [h[/\AHTTP\/1\.\d (\d{3})/, 1].to_i, body.byteslice(0, len.to_i)]
      end
      if h =~ /^transfer-encoding: *chunked/i && body.include?("\r\n0\r\n\r\n")
        plain = +''.b
        while (m = body.match(/\A(\h+)\r\n/n)) && m[1].hex.positive?
          plain << body.byteslice(m[0].bytesize, m[1].hex)
          body = body.byteslice(m[0].bytesize + m[1].hex + 2..)
        end
        return [h[/\AHTTP\/1\.\d (\d{3})/, 1].to_i, plain]
      end
    end
    chunk = deadline_read(s, dl)
    return [0, 'timeout'] if chunk.nil?
    if chunk == :eof
      h, body = buf.split("\r\n\r\n", 2)
      return [h.to_s[/\AHTTP\/1\.\d (\d{3})/, 1].to_i, body.to_s]
    end
    buf << chunk
  end
ensure
  s&.close
  w&.join(1)
end

def maxrss(errfile)
  File.read(errfile).scan(/^maxrss=(\d+)/).flatten.last.to_i
rescue Errno::ENOENT
  0
end

CGI_RSS = []
def cgi_call(r, front, extra = {})
  return [0, 'a NUL cannot be in the environment'] if cgi_vars(r, front).flatten.any? { |x| x.include?("\0") }
  env = { 'PATH' => ENV['PATH'], 'BRIDGE_APP' => ECHO, 'BRIDGE_STAGE' => "#{S}/cstage",
          'BRIDGE_SOCKET' => "#{S}/cgi.sock", 'BRIDGE_MAX_BODY' => '2m', 'BRIDGE_IDLE_EXIT' => '10m' }
  cgi_vars(r, front).each { |a, b| env[a] = b }
  env.update(extra)
  File.binwrite("#{S}/cgi.in", r.body || '')
  pid = Process.spawn(env, '/usr/bin/time', '-f', 'maxrss=%M', BRIDGE, 'cgi', unsetenv_others: true,
                      in: "#{S}/cgi.in", out: "#{S}/cgi.out", err: ["#{S}/cgi.err", 'a'])
  Timeout.timeout(WAIT) { Process.wait(pid) }
  CGI_RSS << maxrss("#{S}/cgi.err")
  cgi_answer(File.binread("#{S}/cgi.out"))
rescue Timeout::Error
  Process.kill('KILL', pid)
  Process.wait(pid)
  [0, 'timeout']
rescue ArgumentError, SystemCallError => e
  [0, "not runnable: #{e.message}"]
end

# bridge replay reading events from a pipe, one answer line per event.
class Replay
  attr_reader :pid, :log

  def initialize(name, *args)
    @log = "#{S}/#{name}.log"
    @in, w = IO.pipe
    r, @out = IO.pipe
    @pid = Process.spawn(BRIDGE, 'replay', '--app', ECHO, '--stage', "#{S}/#{name}.stage",
                         '--socket', "#{S}/#{name}.sock", '--max-body', '2m', *args, '-',
                         in: @in, out: @out, err: @log)
    @in.close
    @out.close
    @w = w
    @r = r
    @pending = +''.b
  end

  def call(line)
    t = send_async(@w, line + "\n")
    dl = now + WAIT
    until (i = @pending.index("\n"))
      c = deadline_read(@r, dl)
      return [0, 'timeout'] if c.nil? || c == :eof
      @pending << c
    end
    t.join(1)
    a = JSON.parse(@pending.slice!(0..i))
    b = a['body'].to_s
    b = Base64.decode64(b) if a['isBase64Encoded']
    [a['statusCode'].to_i, b]
  end

  def hwm = File.read("/proc/#{@pid}/status")[/^VmHWM:\s+(\d+)/, 1].to_i

  # Ends the run: the answers left over (there should be none).
  def close
    @w.close
    Timeout.timeout(10) { Process.wait(@pid) }
    @pending + @r.read
  end
end

# --- checks -------------------------------------------------------------------

def lookup(b, name)
  return b['headers'][name] if name.start_with?('HTTP_')
  v = b[name.downcase]
  v&.to_s
end

# [status, assertions] for the row on this front end: its own ("front:")
# status or assertions replace the general ones.
def expectations(row, front)
  mine = row.expect.select { |t| t.start_with?("#{front}:") }.map { |t| t.delete_prefix("#{front}:") }
  general = row.expect.reject { |t| t =~ %r{\A[a-z/]+:} }
  st = [mine, general].map { |l| l.find { |t| t =~ /\A\d{3}\z/ } }.compact.first
  checks = [mine, general].map { |l| l.grep_v(/\A\d{3}\z/) }.reject(&:empty?).first || []
  [st.to_i, checks]
end

def assert(b, t, front)
  t = unescape(t, front).force_encoding('UTF-8')
  m = t.match(/\A(!?)([A-Z0-9_]+)(?:(!~|~|=)(.*))?\z/m) or return "bad assertion #{t.inspect}"
  name, op, arg = m[2], m[3], m[4]
  v = lookup(b, name)
  case op
  when nil
    if m[1] == '!' then v.nil? ? nil : "#{name} present: #{v.inspect}"
    else v.nil? ? "#{name} absent" : nil
    end
  when '!~' then v && v.match?(Regexp.new(arg)) ? "#{name}=#{v.inspect}" : nil
  when '~' then v&.match?(Regexp.new(arg)) ? nil : "#{name}=#{v.inspect}, not ~ #{arg.inspect}"
  else v == arg ? nil : "#{name}=#{v.inspect}, expected #{arg.inspect}"
  end
end

# G9, on every answer the app gave.
def invariants(b)
  h = b['headers'] || {}
  bad = []
  bad << 'HTTP_PROXY' if h.key?('HTTP_PROXY')
  h.each do |k, v|
    bad << "name #{k.inspect}" unless k =~ /\AHTTP_[A-Z0-9_]+\z/
    bad << "#{k} holds CR, LF or NUL" if v.to_s =~ /[\r\n\0]/
  end
  %w[query_string request_uri].each { |k| bad << "#{k} holds a raw control" if b[k].to_s =~ /[\x00-\x20\x7f]/ }
  bad
end

def log_name(front, r) = "echo: #{r.method} /#{front.tr('/', '-')}-#{r.id}"

def seen(logtext, front, row)
  pre = log_name(front, row)
  logtext.scan(/#{Regexp.escape(pre)}(?=[\/ ?\\])/).size
end

def sync(front, call, logfile)
  st, = call.call(Req.new('GET', "/#{front.tr('/', '-')}-sync".b, [['Host', HOST[base(front)]]], nil, 0))
  dl = now + 5
  sleep 0.02 until File.read(logfile).include?("echo: GET /#{front.tr('/', '-')}-sync") || now > dl
  st
end

def judge(row, front, st, body, logtext)
  want, asserts = expectations(row, front)
  n = seen(logtext, front, row)
  errs = []
  errs << "status #{st}, expected #{want}" if st != want
  if want == 200
    errs << "the app saw it #{n} times" if n != 1
    b = (JSON.parse(body) rescue nil)
    if b
      errs.concat(asserts.filter_map { |t| assert(b, t, front) })
      errs.concat(invariants(b))
    else
      errs << "no JSON from the app: #{body[0, 200].inspect}"
    end
  elsif n.positive?
    errs << "the app saw it (#{n} log lines)"
  end
  what = want == 200 ? "200, the app saw it#{asserts.empty? ? '' : ": #{asserts.join(' ')}"}" : "#{want}, the app never saw it"
  if errs.empty?
    puts "PASS #{row.id} [#{front}]: #{what}"
  else
    puts "FAIL #{row.id} [#{front}] (line #{row.lineno}): #{errs.join('; ')}"
  end
end

# --- the run ------------------------------------------------------------------

$stdout.sync = true
rows = parse_table
lambdas = { 'lambda' => Replay.new('lambda'), 'lambda/fcgi' => Replay.new('lrack', '--upstream', 'fastcgi') }
callers = {
  'fcgi' => ->(r) { fcgi_call("#{S}/fcgi.sock", r, 'fcgi') },
  'fcgi/fcgi' => ->(r) { fcgi_call("#{S}/fcgi2.sock", r, 'fcgi/fcgi') },
  'nginx' => ->(r) { http_call(r) },
  'cgi' => ->(r) { cgi_call(r, 'cgi') }
}
logs = { 'fcgi' => "#{S}/bridge.log", 'fcgi/fcgi' => "#{S}/bridge2.log", 'nginx' => "#{S}/bridge.log",
         'cgi' => "#{S}/cgi.sock.log" }
lambdas.each do |f, rp|
  callers[f] = ->(r) { rp.call(event(r, f)) }
  logs[f] = rp.log
end

# the CGI keeper starts with the first request: HTTP_PROXY and a long
# header name in its environment then, as a hostile first client would
warm = Req.new('GET', '/cgi-warm'.b, [['Host', 'cgi.test'], ['Proxy', 'http://evil.example'],
                                       ["X-#{'w' * 254}", 'v']], nil, 0)
st, = cgi_call(warm, 'cgi')
puts "#{st == 200 ? 'PASS' : 'FAIL'} the first CGI request (HTTP_PROXY and a 256-byte name) starts the app: #{st}"
CGI_RSS.clear

baseline = {}
FRONTS.each do |front|
  results = rows.select { |row| row.fronts.include?(front) }.map do |row|
    r = request(row, front)
    st, body = callers[front].call(r)
    baseline[front] ||= lambdas[front]&.hwm # after the first row
    [row, st, body]
  end
  sst = sync(front, callers[front], logs[front])
  puts "#{sst == 200 ? 'PASS' : 'FAIL'} #{front}: a plain request after the rows is answered (#{sst})"
  logtext = File.binread(logs[front])
  results.each { |row, st, body| judge(row, front, st, body, logtext) }
end
lambdas.each do |f, rp|
  puts "HWM #{f} #{baseline[f]} #{rp.hwm}"
  extra = rp.close.lines.size
  puts "#{extra.zero? ? 'PASS' : 'FAIL'} #{f}: one answer per event, none left over (#{extra} more)"
end
{ 'fcgi' => FCGI_PID, 'fcgi/fcgi' => FCGI2_PID }.each do |f, pid|
  puts "HWM #{f} - #{File.read("/proc/#{pid}/status")[/^VmHWM:\s+(\d+)/, 1].to_i}"
end
puts "HWM cgi - #{CGI_RSS.max}"
puts "ROWS #{rows.size} #{rows.sum { |r| r.fronts.size }}"
RUBY

ruby "$S/driver.rb" "$TOP/tests/spoofing.table" "$S" "$BRIDGE" "$ECHO" "$PORT" "$BPID" $B2 >"$S/results" 2>"$S/driver.err"
same "$?" 0 "the driver ran the table"
[ -s "$S/driver.err" ] && sed 's/^/    /' "$S/driver.err" | head -n 20
while IFS= read -r line; do
	case $line in
	PASS\ *) ok "${line#PASS }" ;;
	FAIL\ *) not_ok "${line#FAIL }" ;;
	esac
done <"$S/results"

# the bridge's peak memory (VmHWM; for CGI the process's max RSS) over
# every row, the oversize ones included: bounded
hwm() {
	case $BUILD_DIR in
	*asan*) ok "$1: peak memory (not measured under ASan)" ;;
	*) check "$1: peak memory $2 KiB < 65536 KiB${3:+ (after the first row: $3 KiB)}" \
		test "$2" -gt 0 -a "$2" -lt 65536 ;;
	esac
}
while read -r tag front first peak; do
	[ "$tag" = HWM ] || continue
	[ "$first" = - ] && first=""
	hwm "bridge $front" "$peak" "$first"
done <"$S/results"
read -r _ nrows ncells <<EOF
$(grep '^ROWS ' "$S/results")
EOF
echo "# $nrows rows, $ncells row x front end runs"

# the CGI front end: the request's variables never reach the app's
# environment, however the first request was made
APP=$(cut -d' ' -f1 "$S/cgi.sock.pid" 2>/dev/null)
if [ -n "$APP" ] && [ -r "/proc/$APP/environ" ]; then
	same "$(tr '\0' '\n' <"/proc/$APP/environ" | grep -e '^HTTP_' -e '^REQUEST_METHOD=' | cut -c1-40 | tr '\n' ' ')" "" \
		"cgi: no HTTP_* or CGI variable in the app's environment"
else
	not_ok "cgi: no app running to look at ($S/cgi.sock.pid)"
fi

check "no sanitizer report in any log" sh -c "! grep -l -e Sanitizer -e 'runtime error' '$S'/*.log '$S'/cgi.err"

KEEPER=$(sed -n 's/.*kind=keeper pid=\([0-9]*\).*/\1/p' "$S/cgi.sock.log" | head -n 1)
[ -n "$KEEPER" ] && kill -TERM "$KEEPER"
i=0
while [ -S "$S/cgi.sock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
kill -TERM $B2
wait $B2
fcgi_stop
same "$BCODE" 0 "bridge fcgi: exit 0"
kill $NGINX 2>/dev/null
wait $NGINX 2>/dev/null
finish
