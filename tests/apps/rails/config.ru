# A small real Rails app in one file (Debian's ruby-rails, no Gemfile):
# enough to show a Rails request log through the bridge, line by line.
#   GET  /             a plain page
#   GET  /hello/:name  JSON, with the request id Rails saw
#   POST /echo         the raw body back, with its content type
#   GET  /boom         raises (a 500 with a logged backtrace)
require "rails"
require "action_controller/railtie"

class BridgeDemo < Rails::Application
  config.root = __dir__
  config.eager_load = false
  config.consider_all_requests_local = false
  config.secret_key_base = "0" * 64
  config.hosts.clear
  config.logger = ActiveSupport::Logger.new($stdout)
  config.log_level = :info
  config.action_dispatch.show_exceptions = true
end

class PagesController < ActionController::Base
  def index
    render plain: "Rails on bridge\n"
  end

  def hello
    render json: { hello: params[:name], request_id: request.request_id,
                   remote_ip: request.remote_ip, url: request.url }
  end

  def echo
    render body: request.raw_post, content_type: request.content_type
  end

  def boom
    raise "boom from the app"
  end
end


$stdout.sync = true
BridgeDemo.initialize!
# drawn after initialize!, which would otherwise reload them away
BridgeDemo.routes.draw do
  root "pages#index"
  get "/hello/:name" => "pages#hello"
  post "/echo" => "pages#echo"
  get "/boom" => "pages#boom"
end
run BridgeDemo
