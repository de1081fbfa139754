# An app whose answers change with APP_VERSION (1 or 2), for the tests of
# replay --diff:
#   /orders/N   JSON {"id":N,"total":10 (v2: 12),"served_at":<now>}
#   /profile    X-Version: 1 (v2: 2)
#   /health     200 (v2: 503)
#   otherwise   200 "same"
require 'json'

$stdout.sync = true
V2 = ENV['APP_VERSION'] == '2'

run lambda { |env|
  path = env['PATH_INFO']
  $stdout.puts "versions: #{env['REQUEST_METHOD']} #{path}"
  # a local match: $~ in a block is shared by Puma's threads
  order = %r{\A/orders/(\d+)\z}.match(path)
  case path
  when order && path
    body = { id: order[1].to_i, total: V2 ? 12 : 10, served_at: Time.now.to_f }
    [200, { 'content-type' => 'application/json' }, [JSON.generate(body)]]
  when '/profile'
    [200, { 'content-type' => 'text/plain', 'x-version' => V2 ? '2' : '1' }, ['profile']]
  when '/health'
    [V2 ? 503 : 200, { 'content-type' => 'text/plain' }, ['health']]
  else
    [200, { 'content-type' => 'text/plain' }, ['same']]
  end
}
