namespace Gateway.Answers;

internal static class AnswersConstants
{
    public const string DefaultUrls = "http://127.0.0.1:8080";

    // Health probes re-check unhealthy destinations every few seconds; sooner retries would only be refused again.
    public const int NoHealthyRetryAfterMinSeconds = 1;
    public const int NoHealthyRetryAfterMaxSeconds = 5;
}
