using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace AntiDrugFlow.Host.Infrastructure;

/// <summary>Settings for requests that meet a database which is restarting or failing over, bound from "Database".</summary>
public sealed class TransientDatabaseOptions
{
    /// <summary>Further tries of a GET or HEAD that met a transient error, before it is answered 503.</summary>
    public int RetryAttempts { get; set; } = 2;

    /// <summary>The pause before the first further try; each next one waits as long again.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(300);

    /// <summary>What the 503's Retry-After asks the client to wait.</summary>
    public int RetryAfterSeconds { get; set; } = 5;
}

/// <summary>
/// A database that is restarting, failing over or out of connections is a passing state, not a bug: reads are tried
/// again a few times, and whatever still cannot be completed is answered 503 with Retry-After (problem details),
/// never 500. A write is not tried again here: its transaction rolled back, and the client's retry is safe.
/// </summary>
public static class TransientDatabaseErrors
{
    public static WebApplicationBuilder AddTransientDatabaseErrors(this WebApplicationBuilder builder)
    {
        builder.Services.Configure<TransientDatabaseOptions>(builder.Configuration.GetSection("Database"));
        // Before the API's own handler, which knows nothing of the database.
        builder.Services.AddExceptionHandler<TransientDatabaseExceptionHandler>();
        return builder;
    }

    /// <summary>Retries idempotent requests (GET, HEAD) whose response has not started; inside UseExceptionHandler.</summary>
    public static WebApplication UseTransientDatabaseRetry(this WebApplication app)
    {
        var settings = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<TransientDatabaseOptions>>().Value;
        var time = app.Services.GetRequiredService<TimeProvider>();
        app.Use(async (context, next) =>
        {
            if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
            {
                await next(context);
                return;
            }

            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await next(context);
                    return;
                }
                catch (Exception ex) when (IsTransient(ex) && attempt <= settings.RetryAttempts && !context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
                {
                    context.Response.Clear();
                    await Task.Delay(settings.RetryDelay * attempt, time, context.RequestAborted);
                }
            }
        });
        return app;
    }

    /// <summary>A failure that says the database is away or busy for now, rather than that the request or the code is wrong.</summary>
    public static bool IsTransient(Exception exception)
    {
        for (var ex = exception; ex is not null; ex = ex.InnerException)
        {
            switch (ex)
            {
                case PostgresException postgres:
                    // Connection exceptions, shutting down, cannot connect now, too many connections, serialization failure, deadlock.
                    return postgres.IsTransient || postgres.SqlState.StartsWith("08", StringComparison.Ordinal) || postgres.SqlState.StartsWith("57P0", StringComparison.Ordinal)
                        || postgres.SqlState is PostgresErrorCodes.TooManyConnections or PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected;
                // A broken connection, and a pool that stayed full for the whole of Database:ConnectionWait ("The connection
                // pool has been exhausted", a timeout): the host is at its connection budget, which passes.
                case NpgsqlException npgsql when npgsql.IsTransient || npgsql.InnerException is TimeoutException:
                    return true;
            }
        }

        return false;
    }
}

/// <summary>Answers a transient database failure with 503, Retry-After and problem details that reveal nothing of the cause.</summary>
public sealed class TransientDatabaseExceptionHandler(IProblemDetailsService problems, Microsoft.Extensions.Options.IOptions<TransientDatabaseOptions> options) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (!TransientDatabaseErrors.IsTransient(exception))
        {
            return false;
        }

        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = options.Value.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "系統暫時無法使用",
                Detail = "資料庫暫時無法連線，請稍候再試。",
            },
            Exception = exception,
        });
    }
}
