-- The style sheet and scripts of report.html (see html.lua).  Inlined in
-- every page: the page must open offline and as an e-mail attachment.
local M = {}

M.css = [[
:root{--ink:#1b1b1b;--muted:#5a6270;--line:#dde2e8;--bg:#f5f7fa;--card:#fff;--accent:#2c5d8f;
--good:#2e7d32;--warn:#b26a00;--bad:#c62828}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
color:var(--ink);background:var(--bg)}
header{background:var(--accent);color:#fff;padding:24px 32px}
header h1{margin:0 0 4px;font-size:26px}
header p{margin:0;opacity:.9}
nav{padding:12px 32px;background:var(--card);border-bottom:1px solid var(--line);font-size:14px}
nav a{color:var(--accent);text-decoration:none;margin-right:16px;white-space:nowrap;display:inline-block}
main{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:20px;padding:24px 32px;max-width:1400px;margin:0 auto}
.block{grid-column:span 2;background:var(--card);border:1px solid var(--line);border-radius:8px;padding:18px 20px}
.block.half{grid-column:span 1}
@media (max-width:900px){main{grid-template-columns:1fr;padding:16px}.block,.block.half{grid-column:span 1}}
.block h2{margin:0 0 4px;font-size:18px}
.reading{margin:0 0 12px;color:var(--muted)}
.note{margin:8px 0 0;color:var(--muted);font-size:13px}
.chart{position:relative;height:320px}
.chart-error{color:var(--bad);font-weight:600}
.kpis{display:grid;grid-template-columns:repeat(auto-fill,minmax(190px,1fr));gap:12px}
.kpi{border:1px solid var(--line);border-left:5px solid var(--line);border-radius:6px;padding:10px 12px}
.kpi.good{border-left-color:var(--good)}.kpi.warn{border-left-color:var(--warn)}.kpi.bad{border-left-color:var(--bad)}
.kpi-label{color:var(--muted);font-size:13px}
.kpi-value{font-size:22px;font-weight:650;margin:2px 0;white-space:nowrap}
.kpi-target,.kpi-note{font-size:13px;color:var(--muted)}
.kpi-change{font-size:13px}.kpi-change.up{color:var(--good)}.kpi-change.down{color:var(--bad)}
.kpi-status{font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted)}
.kpi.good .kpi-status{color:var(--good)}.kpi.warn .kpi-status{color:var(--warn)}.kpi.bad .kpi-status{color:var(--bad)}
.table-wrap{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:14px}
th,td{padding:6px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{background:#eef2f6;font-weight:600}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
table.heatmap{width:auto}
table.heatmap td{text-align:center;min-width:72px;font-variant-numeric:tabular-nums}
table.heatmap td.empty{background:#fafafa}
table.heatmap th{text-align:center}
.legend-scale{display:flex;align-items:center;gap:8px;font-size:13px;color:var(--muted)}
.legend-scale .scale{display:inline-block;width:160px;height:10px;border-radius:3px;
background:linear-gradient(90deg,#f1f7fd,#08306b)}
footer{padding:16px 32px 32px;color:var(--muted);font-size:13px;text-align:center}
#sg-status{display:none}
@media print{body{background:#fff}nav{display:none}main{display:block;padding:0}
.block{break-inside:avoid;margin:0 0 16px;border-color:#ccc}header{color:#000;background:#fff;border-bottom:2px solid #000}}
]]

-- Runs before Chart.js: records any script error or blocked request.
M.trap = [[
window.__sgErrors=[];
window.addEventListener("error",function(e){window.__sgErrors.push("error: "+(e.message||(e.target&&e.target.tagName)||e.type));},true);
document.addEventListener("securitypolicyviolation",function(e){window.__sgErrors.push("blocked: "+e.blockedURI+" ("+e.violatedDirective+")");});
]]

-- Builds every chart from the JSON in #sg-data.  A chart that fails shows
-- a message in its place; the others still draw.  With #selftest in the
-- address, writes a JSON status into #sg-status (again when the page has
-- loaded): errors, the time taken, and per chart the non-blank pixels, the
-- drawn points and the first tick labels (the browser test reads it).
M.main = [[
(function(){
"use strict";
var t0=performance.now();
var E=window.__sgErrors||[];
var D=JSON.parse(document.getElementById("sg-data").textContent);
var L=D.locale,PAL=D.palette,S=D.strings;
function miss(v){return v===false||v===null||v===undefined||v!==v;}
function group(s,sep){return s.replace(/\B(?=(\d{3})+(?!\d))/g,sep);}
function num(x,d){
  if(miss(x))return"n/a";
  var s=Math.abs(x).toFixed(d),p=s.split("."),out=group(p[0],L.thousands);
  if(p.length>1)out+=L.decimal+p[1];
  if(x<0&&/[1-9]/.test(s))out=L.minus+out;
  return out;
}
function fmt(x,f,d){
  if(miss(x))return"n/a";
  if(f==="money"){var b=num(Math.abs(x),d==null?2:d);var sg=(x<0&&/[1-9]/.test(b))?L.minus:"";
    return L.money.replace("{sign}",sg).replace("{symbol}",L.currency).replace("{number}",b);}
  if(f==="percent")return L.percent.replace("{number}",num(x*100,d==null?1:d));
  if(d==null)d=(f==="integer"||Math.round(x)===x)?0:2;
  return num(x,d);
}
function tick(a){return function(v,i,ticks){
  if(a.decimals!=null)return fmt(v,a.format,a.decimals);
  var step=ticks.length>1?Math.abs(ticks[1].value-ticks[0].value):Math.abs(v);
  if(a.format==="percent")step*=100;
  var d=(step>=1||step===0)?0:Math.min(6,Math.ceil(-Math.log10(step)-1e-9));
  return fmt(v,a.format,d);};}
function rgba(hex,a){var n=parseInt(hex.slice(1),16);return"rgba("+(n>>16&255)+","+(n>>8&255)+","+(n&255)+","+a+")";}
function color(i){return PAL[i%PAL.length];}
function axis(title,a,extra){var o={title:{display:!!title,text:title||""},ticks:{}};
  if(a)o.ticks.callback=tick(a);for(var k in extra)o[k]=extra[k];return o;}
function base(s,legend){return{animation:false,responsive:true,maintainAspectRatio:false,
  plugins:{legend:{display:legend,position:"bottom"},tooltip:{callbacks:{}}},scales:{}};}
function bar(s){
  var many=s.series.length>1,h=s.horizontal,ds=s.series.map(function(se,i){
    var c=(!many&&s.color_by_category)?s.labels.map(function(_,j){return color(j);}):color(i);
    return{label:se.name,data:se.values.map(function(v){return miss(v)?null:v;}),backgroundColor:c,
      borderWidth:0,stack:s.stacked?"s":undefined};});
  var o=base(s,s.legend!=null?s.legend:many),val=axis(h?s.x_title:s.y_title,s.value,{stacked:s.stacked,beginAtZero:true}),
    cat=axis(h?s.y_title:s.x_title,null,{stacked:s.stacked});
  if(s.type==="histogram"){ds[0].barPercentage=1;ds[0].categoryPercentage=1;ds[0].backgroundColor=color(0);
    ds[0].borderColor="#fff";ds[0].borderWidth=1;cat=axis(s.x_title,null,{});val=axis(s.y_title,s.value,{beginAtZero:true});}
  o.indexAxis=h?"y":"x";o.scales=h?{x:val,y:cat}:{x:cat,y:val};
  o.plugins.tooltip.callbacks.label=function(c){return(many?c.dataset.label+L.colon:"")+fmt(h?c.parsed.x:c.parsed.y,s.value.format,s.value.decimals);};
  return{type:"bar",data:{labels:s.labels,datasets:ds},options:o};
}
function range(ds,key){var lo=Infinity,hi=-Infinity;ds.forEach(function(d){d.data.forEach(function(p){
  var v=p[key];if(typeof v==="number"){if(v<lo)lo=v;if(v>hi)hi=v;}});});return[lo,hi];}
function refs(s,ds,o){
  if(s.diagonal){var rx=range(ds,"x"),ry=range(ds,"y"),lo=Math.min(rx[0],ry[0]),hi=Math.max(rx[1],ry[1]);
    if(lo<hi)ds.push({type:"line",label:S.diagonal,data:[{x:lo,y:lo},{x:hi,y:hi}],borderColor:"#888",borderDash:[5,4],
      borderWidth:1.5,pointRadius:0,fill:false,showLine:true,yAxisID:"y",order:-1});}
  if(s.mark){var yr=range(ds.filter(function(d){return d.yAxisID==="y";}),"y");
    if(yr[0]<=yr[1])ds.push({type:"line",label:s.mark.label,data:[{x:s.mark.x,y:yr[0]},{x:s.mark.x,y:yr[1]}],
      borderColor:"#c62828",borderDash:[6,4],borderWidth:2,pointRadius:0,fill:false,showLine:true,yAxisID:"y",order:-1});}
}
function line(s){
  var ds=s.series.map(function(se,i){var pts=se.values.map(function(v,k){
      return{x:s.x_linear?s.x[k]:s.labels[k],y:miss(v)?null:v};}).filter(function(p){return !miss(p.x);});
    return{label:se.name,data:pts,borderColor:color(i),backgroundColor:rgba(color(i),s.area?0.25:0.9),
      fill:!!s.area,pointRadius:pts.length>60?0:3,borderWidth:2,tension:0,yAxisID:se.axis==="y2"?"y2":"y",spanGaps:false};});
  refs(s,ds);
  var o=base(s,s.legend!=null?s.legend:ds.length>1);
  o.scales.x=s.x_linear?axis(s.x_title,s.x_value,{type:"linear"}):axis(s.x_title,null,{type:"category",labels:s.labels});
  if(s.x_integer)o.scales.x.ticks.precision=0;
  o.scales.y=axis(s.y_title,s.value,{});
  if(s.value2)o.scales.y2=axis(s.y2_title,s.value2,{position:"right",grid:{drawOnChartArea:false}});
  o.plugins.tooltip.callbacks.label=function(c){var a=c.dataset.yAxisID==="y2"?s.value2:s.value;
    return c.dataset.label+L.colon+fmt(c.parsed.y,a.format,a.decimals);};
  o.plugins.tooltip.callbacks.title=function(items){if(!items.length)return"";var x=items[0].parsed.x;
    return s.x_linear?fmt(x,s.x_value.format,s.x_value.decimals):(s.labels[x]!=null?s.labels[x]:items[0].label);};
  return{type:"line",data:{labels:s.x_linear?undefined:s.labels,datasets:ds},options:o};
}
function scatter(s){
  var many=s.series.length,r=0;s.series.forEach(function(se){r+=se.points.length/2;});
  var ds=s.series.map(function(se,i){var p=se.points,pts=new Array(p.length/2);
    for(var k=0;k<pts.length;k++)pts[k]={x:p[2*k],y:p[2*k+1]};
    return{label:se.name,data:pts,backgroundColor:rgba(color(i),r>2000?0.45:0.7),borderWidth:0,
      pointRadius:r>2000?1.8:3,pointHoverRadius:4,yAxisID:"y"};});
  refs(s,ds);
  var o=base(s,!!s.legend);
  var ex={type:"linear"},ey={type:"linear"};if(s.x_min!=null)ex.min=s.x_min;if(s.y_min!=null)ey.min=s.y_min;
  o.scales.x=axis(s.x_title,s.x_value,ex);
  o.scales.y=axis(s.y_title,s.value,ey);
  o.plugins.tooltip.callbacks.label=function(c){return(many>1?c.dataset.label+L.colon:"")+"("+
    fmt(c.parsed.x,s.x_value.format,s.x_value.decimals)+L.semicolon+fmt(c.parsed.y,s.value.format,s.value.decimals)+")";};
  o.parsing=false;   // points are already {x, y}
  return{type:"scatter",data:{datasets:ds},options:o};
}
var charts=[],drawn={};
Object.keys(D.charts).sort().forEach(function(id){
  var s=D.charts[id],canvas=document.getElementById(id);
  try{
    if(!canvas)throw new Error("no canvas");
    if(s.empty){canvas.parentNode.outerHTML='<p class="note">'+S.no_data+'</p>';return;}
    var cfg=s.type==="line"?line(s):s.type==="scatter"?scatter(s):bar(s);
    charts.push({id:id,chart:new Chart(canvas,cfg)});
  }catch(err){
    E.push(id+": "+(err&&err.message||err));
    if(canvas){var p=document.createElement("p");p.className="chart-error";p.textContent=S.chart_failed+(err&&err.message||err);
      canvas.parentNode.replaceWith(p);}
  }
});
var ms=performance.now()-t0,page=performance.now();
function status(){
  var st={errors:E,render_ms:Math.round(ms),page_ms:Math.round(page),charts:[],canvases:document.querySelectorAll("canvas").length};
  charts.forEach(function(c){
    var cv=c.chart.canvas,px=c.px,ticks=[];
    if(px==null){px=c.px=0;try{   // read a copy: no readback of the chart's own canvas
      var copy=document.createElement("canvas");copy.width=cv.width;copy.height=cv.height;
      var cx=copy.getContext("2d",{willReadFrequently:true});cx.drawImage(cv,0,0);
      var d=cx.getImageData(0,0,cv.width,cv.height).data;for(var i=3;i<d.length;i+=4)if(d[i]!==0)px++;c.px=px;}
    catch(err){E.push(c.id+": "+err.message);}}
    var pts=0;c.chart.data.datasets.forEach(function(_,k){var m=c.chart.getDatasetMeta(k);pts+=m.data?m.data.length:0;});
    Object.keys(c.chart.scales).sort().forEach(function(k){c.chart.scales[k].ticks.slice(0,3).forEach(function(t){ticks.push(String(t.label));});});
    st.charts.push({id:c.id,pixels:px,points:pts,width:cv.width,height:cv.height,ticks:ticks});
  });
  document.getElementById("sg-status").textContent=JSON.stringify(st);
}
if(location.hash==="#selftest"){status();window.addEventListener("load",status);}
})();
]]

return M
