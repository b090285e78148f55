using System.Net;
using System.Net.Http.Headers;
using WorkingPoint.Server.DashboardPages;

namespace WorkingPoint.Server.DashboardTests;

/// <summary>The dashboard's pages as HTML over HTTP: who may see them, what they show, and that user text stays text.</summary>
[Collection(LabCollection.Name)]
public sealed class DashboardPageTests(LabFixture lab) : IDisposable
{
    private readonly HttpClient _anonymous = new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = lab.BaseAddress };

    public void Dispose() => _anonymous.Dispose();

    public static TheoryData<string> Pages => new()
    {
        DashboardRoutes.Devices, DashboardRoutes.Jobs, DashboardRoutes.Results, DashboardRoutes.Matrix, DashboardRoutes.UseCases,
        "/usecases/0", "/results/1", "/compare?id=1&id=2", "/plots/results/1/roofline.svg",
    };

    public static TheoryData<string> HtmlPages => new()
    {
        DashboardRoutes.Devices, DashboardRoutes.Jobs, DashboardRoutes.Results, DashboardRoutes.Matrix, DashboardRoutes.UseCases,
        "/usecases/0", "/results/1", "/results/2", "/results/3", "/compare?id=1&id=2",
    };

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task A_visit_without_a_token_is_sent_to_the_login_page(string page)
    {
        using var response = await _anonymous.GetAsync(page);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/login?return=", response.Headers.Location!.OriginalString, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task An_agent_token_cannot_view_any_page(string page)
    {
        using var response = await GetAsync(page, lab.AgentToken);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task An_unknown_bearer_token_is_refused_with_401()
    {
        using var response = await GetAsync(DashboardRoutes.Devices, "wpt_not-a-token");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Logging_in_with_a_reader_token_sets_a_strict_http_only_cookie_that_opens_the_pages()
    {
        using var login = await PostLoginAsync(lab.ReaderToken, "/matrix");
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.Equal("/matrix", login.Headers.Location!.OriginalString);
        var cookie = Assert.Single(login.Headers.GetValues("Set-Cookie"));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("secure", cookie, StringComparison.OrdinalIgnoreCase); // plain http here; https adds Secure

        using var request = new HttpRequestMessage(HttpMethod.Get, "/matrix");
        request.Headers.Add("Cookie", cookie.Split(';')[0]);
        using var page = await _anonymous.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("rita (reader)", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Logging_in_with_an_unknown_token_is_refused_with_the_reason()
    {
        using var login = await PostLoginAsync("wpt_wrong", "/");
        Assert.Equal(HttpStatusCode.Unauthorized, login.StatusCode);
        Assert.Contains("unknown or revoked", await login.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.False(login.Headers.Contains("Set-Cookie"));
    }

    [Fact]
    public async Task Logging_in_with_an_agent_token_is_forbidden()
    {
        using var login = await PostLoginAsync(lab.AgentToken, "/");
        Assert.Equal(HttpStatusCode.Forbidden, login.StatusCode);
        Assert.False(login.Headers.Contains("Set-Cookie"));
    }

    [Fact]
    public async Task A_login_posted_from_another_site_is_refused()
    {
        using var request = LoginRequest(lab.ReaderToken, "/");
        request.Headers.Add("Origin", "https://evil.example");
        using var login = await _anonymous.SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, login.StatusCode);
        Assert.False(login.Headers.Contains("Set-Cookie"));
    }

    [Fact]
    public async Task Login_never_redirects_to_another_site()
    {
        using var login = await PostLoginAsync(lab.ReaderToken, "//evil.example/x");
        Assert.Equal("/", login.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task Logging_out_expires_the_cookie()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, DashboardRoutes.Logout);
        request.Headers.Add("Origin", lab.BaseAddress.GetLeftPart(UriPartial.Authority));
        using var logout = await _anonymous.SendAsync(request);
        Assert.Equal(HttpStatusCode.Redirect, logout.StatusCode);
        Assert.Contains("expires=Thu, 01 Jan 1970", Assert.Single(logout.Headers.GetValues("Set-Cookie")), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task The_devices_page_lists_each_device_with_its_labels_fingerprint_and_roofline()
    {
        var html = await PageAsync(DashboardRoutes.Devices);
        Assert.Contains("orin-1", html, StringComparison.Ordinal);
        Assert.Contains("<span class=\"label\">desk-2</span>", html, StringComparison.Ordinal);
        Assert.Contains("Cortex-A78AE (arm64, 6 threads, 8 GiB)", html, StringComparison.Ordinal);
        Assert.Contains(LabFixture.Orin, html, StringComparison.Ordinal);
        Assert.Contains($"src=\"/plots/results/{lab.RooflineResult}/roofline.svg\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_device_named_like_a_script_renders_as_text()
    {
        var html = await PageAsync(DashboardRoutes.Devices);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html, StringComparison.Ordinal);
        Assert.Contains("&lt;img src=x onerror=alert(2)&gt;", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img src=x", html, StringComparison.Ordinal);

        var jobs = await PageAsync(DashboardRoutes.Jobs);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", jobs, StringComparison.Ordinal);
        Assert.Contains("&lt;b&gt;model not found&lt;/b&gt;", jobs, StringComparison.Ordinal);

        var result = await PageAsync(DashboardRoutes.Result(lab.EvilResult));
        Assert.Contains("&lt;i&gt;evil-model&lt;/i&gt;", result, StringComparison.Ordinal);
        Assert.DoesNotContain("<i>evil-model", result, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(HtmlPages))]
    public async Task No_page_has_inline_script_or_style_so_a_strict_csp_applies(string page)
    {
        using var response = await GetAsync(page, lab.ReaderToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("<script", body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<style", body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(" style=", body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotMatch("<[^>]*\\son[a-z]+\\s*=", body); // no event-handler attribute in any tag
    }

    [Fact]
    public async Task The_stylesheet_is_served_as_css()
    {
        using var response = await _anonymous.GetAsync(DashboardRoutes.Stylesheet);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/css", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains(".err-good", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_job_queue_filters_by_state()
    {
        var all = await PageAsync(DashboardRoutes.Jobs);
        Assert.Contains("state-queued", all, StringComparison.Ordinal);
        Assert.Contains("state-failed", all, StringComparison.Ordinal);

        var running = await PageAsync("/jobs?state=running");
        Assert.Contains("<td class=\"state-running\">running</td>", running, StringComparison.Ordinal);
        Assert.DoesNotContain("<td class=\"state-queued\">", running, StringComparison.Ordinal);
        Assert.Contains("1 job.", running, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_job_state_is_a_400_naming_the_states()
    {
        using var response = await GetAsync("/jobs?state=sleeping", lab.ReaderToken);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Unknown state 'sleeping': use one of queued, running", WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_results_list_filters_by_model()
    {
        var html = await PageAsync($"/results?model={LabFixture.Network}");
        Assert.Contains("2 results match", html, StringComparison.Ordinal);
        Assert.Contains($"<td class=\"model\">{LabFixture.Network}</td>", html, StringComparison.Ordinal);
        Assert.DoesNotContain($"<td class=\"model\">{LabFixture.Llm}</td>", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_results_list_pages_on_with_the_last_id()
    {
        var first = await PageAsync(DashboardRoutes.Results);
        Assert.Contains("8 results match", first, StringComparison.Ordinal);
        var older = System.Text.RegularExpressions.Regex.Match(first, "href=\"(/results\\?before=\\d+)\">Older").Groups[1].Value;
        Assert.NotEmpty(older);
        var second = await PageAsync(older);
        Assert.Contains("« Newest", WebUtility.HtmlDecode(second), StringComparison.Ordinal);
        var ids = (string html) => System.Text.RegularExpressions.Regex.Matches(html, "name=\"id\" value=\"(\\d+)\"").Select(m => m.Groups[1].Value).ToHashSet();
        Assert.Equal(LabFixture.PageSize, ids(first).Count);
        Assert.Empty(ids(first).Intersect(ids(second)));
    }

    [Fact]
    public async Task An_unknown_result_kind_is_a_400()
    {
        using var response = await GetAsync("/results?kind=banana", lab.ReaderToken);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Unknown kind 'banana'", WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_result_shows_its_metrics_verdict_manifest_and_plots()
    {
        var html = await PageAsync(DashboardRoutes.Result(lab.OnnxResult));
        Assert.Contains("latency.p50", html, StringComparison.Ordinal);
        Assert.Contains("VALID, quick run", html, StringComparison.Ordinal);
        Assert.Contains("variation 3 % across windows", html, StringComparison.Ordinal);
        Assert.Contains("<code>performance</code>", html, StringComparison.Ordinal);
        Assert.Contains($"/plots/results/{lab.OnnxResult}/latency.svg", html, StringComparison.Ordinal);
        Assert.Contains($"/plots/results/{lab.OnnxResult}/throughput.svg", html, StringComparison.Ordinal);

        var llm = await PageAsync(DashboardRoutes.Result(lab.LlmResult));
        Assert.Contains($"/plots/results/{lab.LlmResult}/decode-by-context.svg", llm, StringComparison.Ordinal);
        Assert.Contains("the catalog's analytic model predicts", WebUtility.HtmlDecode(llm), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("latency")]
    [InlineData("throughput")]
    public async Task A_result_plot_is_an_svg_image(string plot)
    {
        using var response = await GetAsync($"/plots/results/{lab.OnnxResult}/{plot}.svg", lab.ReaderToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/svg+xml", response.Content.Headers.ContentType!.MediaType);
        var svg = await response.Content.ReadAsStringAsync();
        Assert.Contains("xmlns=\"http://www.w3.org/2000/svg\"", svg, StringComparison.Ordinal);
        Assert.Contains("viewBox=", svg, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_plot_the_result_has_no_samples_for_is_404()
    {
        using var response = await GetAsync($"/plots/results/{lab.LlmResult}/latency.svg", lab.ReaderToken);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task An_unknown_result_is_404()
    {
        using var response = await GetAsync("/results/999999", lab.ReaderToken);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task The_matrix_shows_the_newest_measured_figure_beside_the_prediction_with_the_error_coloured()
    {
        var html = await PageAsync(DashboardRoutes.Matrix);
        Assert.Contains($"<th>{LabFixture.Orin}</th>", html, StringComparison.Ordinal);
        Assert.Contains($"<th class=\"model\">{LabFixture.Llm}</th>", html, StringComparison.Ordinal);
        Assert.Contains($"<a href=\"/results/{lab.LlmResult}\">31.5 tok/s</a>", html, StringComparison.Ordinal);
        Assert.Matches("<td class=\"cell err-(good|fair|poor)\"><a href=\"/results/" + lab.LlmResult + "\">31.5 tok/s</a><br><span class=\"predicted\">predicted [0-9.]+ tok/s</span><br><span class=\"error\">error [+-]?[0-9]+ %</span>", html);
        Assert.Contains($"<a href=\"/results/{lab.OnnxRerun}\">96 ms</a>", html, StringComparison.Ordinal);
        // A platform the catalog does not know has no prediction: a dash, and why on hover.
        Assert.Contains("&lt;b&gt;not-a-platform&lt;/b&gt;", html, StringComparison.Ordinal);
        Assert.Contains("predicted —", html, StringComparison.Ordinal);
        Assert.Contains("is not a catalog platform", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Comparing_two_results_shows_each_metric_with_its_ratio_and_the_manifest_differences()
    {
        var html = WebUtility.HtmlDecode(await PageAsync($"/compare?id={lab.OnnxResult}&id={lab.OnnxRerun}"));
        Assert.Contains("×0.8", html, StringComparison.Ordinal); // latency p50: 96 ÷ 120
        Assert.Contains("threads: 4 → 2", html, StringComparison.Ordinal);
        Assert.Contains("command line: wpt bench onnx yolov8s --threads 4 → wpt bench onnx yolov8s --threads 2", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Comparing_needs_exactly_two_results()
    {
        using var response = await GetAsync($"/compare?id={lab.OnnxResult}", lab.ReaderToken);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Pick exactly two results", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_use_case_shows_predicted_verdicts_with_the_labs_measured_figure_beside_the_prediction()
    {
        var html = await PageAsync("/usecases/0");
        Assert.Contains("Smart camera", html, StringComparison.Ordinal);
        Assert.Contains("detector (yolov8s) predicted", html, StringComparison.Ordinal);
        Assert.Matches($"<td>{LabFixture.Pi}</td><td class=\"(meets|marginal|fails|unknown)\">", html);
        Assert.Contains($"<a href=\"/results/{lab.OnnxRerun}\">96 ms</a>", html, StringComparison.Ordinal);
        Assert.Contains("not measured", html, StringComparison.Ordinal);
    }

    private async Task<string> PageAsync(string path)
    {
        using var response = await GetAsync(path, lab.ReaderToken);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {body}");
        return body;
    }

    private Task<HttpResponseMessage> GetAsync(string path, string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return _anonymous.SendAsync(request);
    }

    private HttpRequestMessage LoginRequest(string token, string returnPath) => new(HttpMethod.Post, DashboardRoutes.Login)
    {
        Content = new FormUrlEncodedContent([new("token", token), new("return", returnPath)]),
    };

    private Task<HttpResponseMessage> PostLoginAsync(string token, string returnPath) => _anonymous.SendAsync(LoginRequest(token, returnPath));
}
