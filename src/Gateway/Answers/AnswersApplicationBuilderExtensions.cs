namespace Gateway.Answers;

/// <summary>The step that turns forwarding failures into the gateway's explicit answers.</summary>
internal static class AnswersApplicationBuilderExtensions
{
    /// <summary>502 <c>upstream-unreachable</c> or 504 <c>upstream-timeout</c> for a failure before the response started.</summary>
    public static IReverseProxyApplicationBuilder UseForwarderErrorAnswers(this IReverseProxyApplicationBuilder proxy)
    {
        proxy.UseMiddleware<ForwarderErrorMiddleware>();
        return proxy;
    }
}
