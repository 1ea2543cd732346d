/**
 * A throwaway nginx unit for tests and benchmarks that must start and stop a real service without
 * touching the bed's packaged units: its own port, and its pid, logs and temp files in its own
 * directory under /run.
 */
export interface ThrowawayNginx {
  unit: string;
  unitFile: string;
  dir: string;
  port: number;
  probe: string;
  nginxConf: string;
  unitText: string;
}

export function throwawayNginx(name: string, port: number, description: string): ThrowawayNginx {
  const unit = `${name}.service`;
  const dir = `/run/${name}`;
  return {
    unit,
    unitFile: `/run/systemd/system/${unit}`,
    dir,
    port,
    probe: `curl -fsS http://127.0.0.1:${port}/ >/dev/null`,
    nginxConf: `worker_processes 1;
user www-data;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
events { worker_connections 64; }
http {
  access_log ${dir}/access.log;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port};
    location / { return 200 "ok\\n"; }
  }
}
`,
    unitText: `[Unit]
Description=${description} (nginx on 127.0.0.1:${port})

[Service]
Type=simple
ExecStart=/usr/sbin/nginx -c ${dir}/nginx.conf -e ${dir}/error.log -g 'daemon off;'
`,
  };
}
